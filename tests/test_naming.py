"""Output file names (usage.md §2) and ``_duplicate_N`` reservation; no models."""

import os

from dgenerate_core.render.naming import (
    join_name, name_components, reserve, scheduler_name, step_base_name,
)


def _values(**kw):
    base = {"seeds": 123, "guidance_scales": 5.0, "inference_steps": 30}
    base.update(kw)
    return base


def test_basic_txt2img_name():
    assert step_base_name(_values(), 1) == "s_123_g_5-0_i_30_step_1"


def test_manual_example_with_strength_and_clip_skip():
    assert step_base_name(_values(image_seed_strengths=0.8, guidance_scales=5), 1) == \
        "s_123_st_0-8_g_5_i_30_step_1"
    assert step_base_name(_values(seeds=0, clip_skips=0), 1) == "s_0_g_5-0_i_30_cs_0_step_1"


def test_component_order_of_every_tag():
    values = _values(image_seed_strengths=0.5, second_model_guidance_scales=3.0,
                     guidance_rescales=0.0, image_guidance_scales=1.5, pag_scales=3.0,
                     pag_adaptive_scales=0.1, second_model_inference_steps=10, clip_skips=1,
                     sdxl_refiner_clip_skips=2, sdxl_high_noise_fractions=0.8,
                     sdxl_refiner_pag_scales=2.0, sdxl_refiner_pag_adaptive_scales=0.2,
                     sdxl_refiner_guidance_rescales=0.7)
    assert step_base_name(values, 7) == (
        "s_123_st_0-5_g_5-0_g2_3-0_gr_0-0_igs_1-5_ps_3-0_pas_0-1_i_30_i2_10_cs_1_rcs_2_"
        "hnf_0-8_rps_2-0_rpas_0-2_rgr_0-7_step_7")


def test_zero_valued_optional_tags_are_left_out_but_rescale_zero_is_kept():
    values = _values(second_model_guidance_scales=0.0, pag_scales=0.0, guidance_rescales=0.0)
    assert step_base_name(values, 1) == "s_123_g_5-0_gr_0-0_i_30_step_1"


def test_upscaler_noise_level_replaces_strength():
    values = _values(upscaler_noise_levels=20, image_seed_strengths=0.8)
    assert name_components(values)[:4] == ["s", 123, "unl", 20]


def test_scheduler_names_first_only_when_asked():
    values = _values(schedulers="EulerDiscreteScheduler;timestep-spacing=trailing",
                     second_model_schedulers="DDIMScheduler")
    assert step_base_name(values, 2) == "s_123_g_5-0_i_30_step_2"
    assert step_base_name(values, 2, include_schedulers=True) == \
        "EulerDiscreteScheduler_DDIMScheduler_s_123_g_5-0_i_30_step_2"
    assert scheduler_name(" DDIM ; x=1.5") == "DDIM"
    assert scheduler_name(None) is None


def test_prefix_and_batch_index():
    assert step_base_name(_values(), 3, prefix="my.run", batch_index=1) == \
        "my.run_s_123_g_5-0_i_30_step_3_image_2"
    assert join_name(["a", 1.5], "p") == "p_a_1-5"


def test_reserve_duplicates(tmp_path):
    folder = str(tmp_path)
    first = reserve(folder, "s_1", "png")
    assert first == os.path.join(folder, "s_1.png") and os.path.exists(first)
    assert reserve(folder, "s_1", "png") == os.path.join(folder, "s_1_duplicate_1.png")
    assert reserve(folder, "s_1", ".png") == os.path.join(folder, "s_1_duplicate_2.png")


def test_reserve_overwrite_returns_the_plain_name(tmp_path):
    (tmp_path / "s_1.png").write_bytes(b"old")
    path = reserve(str(tmp_path), "s_1", "png", overwrite=True)
    assert path == str(tmp_path / "s_1.png")
    assert (tmp_path / "s_1.png").read_bytes() == b"old"


def test_reserve_keeps_image_and_config_together(tmp_path):
    (tmp_path / "s_1.dgen").write_text("x")
    path = reserve(str(tmp_path), "s_1", "png", companions=(".dgen",))
    assert path == str(tmp_path / "s_1_duplicate_1.png")
    assert not (tmp_path / "s_1.png").exists()
