"""The render plan: cartesian product of option values in the reference's order; no models."""

import random

from dgenerate_core.options import OPTIONS, parse_args
from dgenerate_core.render.plan import (
    AXES, SEED_MAX, build_plan, count_steps, resolve_seeds, scheduler_combinations, split_prompt,
)


def _plan(*args, seeds=(1,), refiner=False):
    opts = parse_args(["model", *args])
    return build_plan(opts, list(seeds), refiner)


def test_axes_cover_every_combinatorial_option():
    product = {spec.dest for spec in OPTIONS if spec.product} - {"gen_seeds"}  # gen: into seeds
    assert set(AXES) == product


def test_manual_step_counts():
    opts = parse_args(["m", "--gen-seeds", "5", "--inference-steps", "30", "40", "50",
                       "--guidance-scales", "5", "7", "10"])
    assert count_steps(opts, resolve_seeds(opts)) == 45
    opts = parse_args(["m", "--gen-seeds", "5", "--inference-steps", "30", "40", "50",
                       "--guidance-scales", "5", "7", "10", "--image-seeds", "a.png",
                       "--image-seed-strengths", "0.2", "0.5", "0.8"])
    assert count_steps(opts, resolve_seeds(opts)) == 135
    opts = parse_args(["m", "--prompts", "A", "B", "--gen-seeds", "5"])
    assert count_steps(opts, resolve_seeds(opts)) == 10


def test_order_last_axis_varies_fastest():
    steps = _plan("--prompts", "A", "B", "-gs", "5", "7", "-ifs", "1", "2", seeds=(11, 22))
    got = [(s["prompts"], s["seeds"], s["guidance_scales"], s["inference_steps"]) for s in steps]
    expected = [(p, se, g, i) for p in ("A", "B") for se in (11, 22) for g in (5.0, 7.0)
                for i in (1, 2)]
    assert got == expected
    assert [s.number for s in steps] == list(range(1, 17))
    assert all(s.total == 16 for s in steps)


def test_schedulers_before_seeds_and_strength_before_guidance():
    steps = _plan("--schedulers", "A", "B", "--image-seeds", "x.png", "-iss", "0.3", "0.6",
                  "-gs", "1", "2", seeds=(1, 2))
    order = [(s["schedulers"], s["seeds"], s["image_seed_strengths"], s["guidance_scales"])
             for s in steps]
    assert order[:3] == [("A", 1, 0.3, 1.0), ("A", 1, 0.3, 2.0), ("A", 1, 0.6, 1.0)]
    assert order[4] == ("A", 2, 0.3, 1.0)
    assert order[8] == ("B", 1, 0.3, 1.0)


def test_image_seeds_are_the_outer_loop_and_numbering_is_global():
    steps = _plan("--image-seeds", "a.png", "b.png", "-gs", "1", "2")
    assert [(s.image_seed, s.image_seed_index, s["guidance_scales"], s.number) for s in steps] == [
        ("a.png", 0, 1.0, 1), ("a.png", 0, 2.0, 2), ("b.png", 1, 1.0, 3), ("b.png", 1, 2.0, 4)]


def test_seeds_to_images_pairs_and_wraps():
    steps = _plan("--image-seeds", "a", "b", "c", "--seeds-to-images", seeds=(7, 8))
    assert [(s.image_seed, s["seeds"]) for s in steps] == [("a", 7), ("b", 8), ("c", 7)]
    steps = _plan("--image-seeds", "a", "b", seeds=(7, 8))
    assert [(s.image_seed, s["seeds"]) for s in steps] == [("a", 7), ("a", 8), ("b", 7), ("b", 8)]


def test_model_type_dependent_defaults():
    (step,) = _plan()
    assert (step["prompts"], step["guidance_scales"], step["inference_steps"]) == ("", 5.0, 30)
    assert step["image_seed_strengths"] is None and step["sdxl_high_noise_fractions"] is None
    assert step.image_seed is None and step.image_seed_index is None
    (step,) = _plan("--image-seeds", "a.png")
    assert step["image_seed_strengths"] == 0.8
    (step,) = _plan(refiner=True)
    assert step["sdxl_high_noise_fractions"] == 0.8
    (step,) = _plan("-hnf", "0.6", refiner=True)
    assert step["sdxl_high_noise_fractions"] == 0.6
    assert step["guidance_rescales"] is None and step["clip_skips"] is None


def test_resolve_seeds():
    assert resolve_seeds(parse_args(["m", "--seeds", "3", "4"])) == [3, 4]
    generated = resolve_seeds(parse_args(["m", "--gen-seeds", "4"]), random.Random(1))
    assert len(generated) == 4 and all(0 <= s <= SEED_MAX for s in generated)
    assert len(resolve_seeds(parse_args(["m"]))) == 1


def test_scheduler_combinations():
    assert scheduler_combinations(parse_args(["m"])) == 1
    assert scheduler_combinations(parse_args(["m", "--schedulers", "A"])) == 1
    assert scheduler_combinations(parse_args(["m", "--schedulers", "A", "B",
                                              "--model-type", "sdxl", "--sdxl-refiner", "r",
                                              "--second-model-schedulers", "C", "D"])) == 4


def test_split_prompt_on_first_semicolon():
    assert split_prompt("a cat; blurry; ugly") == ("a cat", "blurry; ugly")
    assert split_prompt("a cat") == ("a cat", None)
    assert split_prompt("a cat;  ") == ("a cat", None)
    assert split_prompt(None) == ("", None)
