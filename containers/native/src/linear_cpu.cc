#include "linear_cpu.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sm {
namespace {

double Loss(const std::string& loss, double score, double label) {
  if (loss == "logistic") {  // label in {0, 1}; log(1 + e^-z) for 1, log(1 + e^z) for 0, stably
    const double z = label > 0.5 ? score : -score;
    return z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));
  }
  if (loss == "squared_loss") return 0.5 * (score - label) * (score - label);
  return std::fabs(score - label);  // absolute_loss
}

// d loss / d score.
double Gradient(const std::string& loss, double score, double label) {
  if (loss == "logistic") return 1.0 / (1.0 + std::exp(-score)) - label;
  if (loss == "squared_loss") return score - label;
  return score > label ? 1.0 : (score < label ? -1.0 : 0.0);
}

}  // namespace

std::vector<double> LinearEpoch(const float* x, const float* y, size_t n, LinearState* s, const LinearConfig& c) {
  if (c.loss != "logistic" && c.loss != "squared_loss" && c.loss != "absolute_loss") throw std::invalid_argument("linear.epoch: unknown loss " + c.loss);
  if (c.optimizer != "sgd" && c.optimizer != "adam") throw std::invalid_argument("linear.epoch: unknown optimizer " + c.optimizer);
  if (c.learning_rates.size() != s->models) throw std::invalid_argument("linear.epoch: one learning rate per model");
  const size_t d = s->d, m = s->models, batch = std::max<size_t>(1, c.batch_size);
  std::vector<double> losses(m, 0.0), gw(m * d), gb(m);
  for (size_t start = 0; start < n; start += batch) {
    const size_t end = std::min(n, start + batch), rows = end - start;
    std::fill(gw.begin(), gw.end(), 0.0);
    std::fill(gb.begin(), gb.end(), 0.0);
    for (size_t row = start; row < end; ++row) {
      const float* xr = x + row * d;
      for (size_t model = 0; model < m; ++model) {
        const float* w = s->weights.data() + model * d;
        double score = c.use_bias ? s->bias[model] : 0.0;
        for (size_t j = 0; j < d; ++j) score += static_cast<double>(w[j]) * xr[j];
        losses[model] += Loss(c.loss, score, y[row]);
        const double g = Gradient(c.loss, score, y[row]);
        double* gwm = gw.data() + model * d;
        for (size_t j = 0; j < d; ++j) gwm[j] += g * xr[j];
        gb[model] += g;
      }
    }
    s->step += 1;
    for (size_t model = 0; model < m; ++model) {
      const double lr = c.learning_rates[model];
      float* w = s->weights.data() + model * d;
      for (size_t j = 0; j <= d; ++j) {
        const bool is_bias = j == d;
        if (is_bias && !c.use_bias) continue;
        double grad = (is_bias ? gb[model] : gw[model * d + j]) / rows;
        float& param = is_bias ? s->bias[model] : w[j];
        if (!is_bias) grad += c.wd * param;  // L2 (weight decay) on weights only
        double update = grad;
        if (c.optimizer == "adam") {
          float& m1 = is_bias ? s->mb[model] : s->m1[model * d + j];
          float& v1 = is_bias ? s->vb[model] : s->v1[model * d + j];
          m1 = static_cast<float>(c.beta1 * m1 + (1 - c.beta1) * grad);
          v1 = static_cast<float>(c.beta2 * v1 + (1 - c.beta2) * grad * grad);
          const double mhat = m1 / (1 - std::pow(c.beta1, s->step)), vhat = v1 / (1 - std::pow(c.beta2, s->step));
          update = mhat / (std::sqrt(vhat) + c.epsilon);
        }
        double next = param - lr * update;
        if (!is_bias && c.l1 > 0) {  // L1 by proximal soft-thresholding
          const double shrink = lr * c.l1;
          next = next > shrink ? next - shrink : (next < -shrink ? next + shrink : 0.0);
        }
        param = static_cast<float>(next);
      }
    }
  }
  for (double& loss : losses) loss /= std::max<size_t>(1, n);
  return losses;
}

std::vector<float> LinearScores(const float* x, size_t n, const LinearState& s, size_t model) {
  if (model >= s.models) throw std::invalid_argument("linear.scores: no such model");
  std::vector<float> out(n);
  const float* w = s.weights.data() + model * s.d;
  for (size_t row = 0; row < n; ++row) {
    double score = s.bias[model];
    for (size_t j = 0; j < s.d; ++j) score += static_cast<double>(w[j]) * x[row * s.d + j];
    out[row] = static_cast<float>(score);
  }
  return out;
}

}  // namespace sm
