package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"time"
)

// checkTarget parses rawURL and refuses anything but http or https to a loopback host: an IP in
// 127.0.0.0/8 or ::1, or a name that resolves only to such addresses.
func checkTarget(ctx context.Context, rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("load: --url %q: %v", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("load: --url %q: want http:// or https://", rawURL)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("load: --url %q: no host", rawURL)
	}
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return nil, fmt.Errorf("load: --url %q: %s is not a loopback address; this tool only loads servers on this machine", rawURL, host)
		}
		return u, nil
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(rctx, host)
	if err != nil {
		return nil, fmt.Errorf("load: --url %q: %v", rawURL, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("load: --url %q: %s has no address", rawURL, host)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return nil, fmt.Errorf("load: --url %q: %s resolves to %s, not a loopback address; this tool only loads servers on this machine", rawURL, host, a.IP)
		}
	}
	return u, nil
}

// loopbackDialer returns a dialer that refuses, at connect time, every address that is not loopback,
// whatever a name resolved to in between.
func loopbackDialer() *net.Dialer {
	return &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("load: refusing to connect to %s: not a loopback address", address)
			}
			return nil
		},
	}
}
