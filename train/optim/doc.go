// Package optim holds the optimizers and learning-rate schedules of training.
//
// An Optimizer updates a list of parameters (float32 slices, updated in place) from their gradients,
// each with its own weight decay, so that depthwise filters and batch norm parameters can go without
// it. The update rules follow TensorFlow's (and PyTorch's, where they agree):
//
//   - SGD: w −= lr·g, or with momentum μ: b = μ·b + g, w −= lr·b; Nesterov: w −= lr·(g + μ·b).
//   - RMSprop (tf.compat.v1.train.RMSPropOptimizer): ms = ρ·ms + (1−ρ)·g², m = μ·m + lr·g/√(ms+ε),
//     w −= m, with ms starting at 1 as in TensorFlow 1 (Keras starts it at 0). TF-slim's
//     train_image_classifier.py uses ρ 0.9, μ 0.9, ε 1.0, learning rate 0.01 decayed ×0.94 every
//     2 epochs (staircase) and weight decay 4e-5; the MobileNet paper trained with RMSprop as for
//     Inception V3 (ρ 0.9, ε 1.0, lr 0.045 decayed ×0.94 every 2 epochs).
//   - Adam (Kingma and Ba, Algorithm 1): m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
//     w −= lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
//   - AdamW (Loshchilov and Hutter): Adam without the decay in g, and w −= lr·λ·w before the step.
//
// For every optimizer but AdamW the weight decay λ is L2 regularisation added to the gradient,
// g = ∇L + λ·w, which is what TF-slim's l2_regularizer(λ) (loss λ·Σw²/2) contributes.
package optim
