// train.optimizer_in_backward (docs/scenario.md): torchtune's optimizer_in_bwd. Its recipes
// (recipes/full_finetune_single_device.py, full_finetune_distributed.py) build one optimizer per parameter and
// register torch's register_post_accumulate_grad_hook on each, whose hook runs that optimizer's step and
// zero_grad (set_to_none): every gradient is freed as soon as backward has accumulated it. torchtune raises when
// it is combined with gradient accumulation ("Gradient accumulation is not supported with optimizer in bwd"),
// and offers it for full fine-tuning only, so both are refused here with the field named.
#include "scenario_enum.hpp"

namespace vramplan {

void read_optimizer_in_backward(ObjectReader& r, TrainSettings& t) {
  t.optimizer_in_backward = r.boolean("optimizer_in_backward", t.optimizer_in_backward);
  if (!t.optimizer_in_backward) return;
  if (t.method != Method::full) {
    fail(r.pointer_of("optimizer_in_backward"),
         "must be false unless train.method is \"full\" (torchtune's optimizer_in_bwd steps full parameters), got true");
  }
  if (t.gradient_accumulation_steps > 1) {
    fail(r.pointer_of("optimizer_in_backward"),
         "must be false with train.gradient_accumulation_steps > 1 (torchtune refuses the two together: each "
         "gradient is freed by its optimizer step during backward), got true");
  }
}

}  // namespace vramplan
