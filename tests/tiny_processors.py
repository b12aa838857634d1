"""Random-weight models of the real architectures the model-based image processors load, saved
in the file formats the hub uses, in a fabricated Hugging Face hub cache (no downloads)."""

from __future__ import annotations

import os

COMMIT = "0" * 40


def hub_path(cache: str, repo: str, filename: str) -> str:
    """The snapshot path of ``repo/filename`` in the hub cache ``cache`` (refs/main made)."""
    base = os.path.join(cache, "models--" + repo.replace("/", "--"))
    os.makedirs(os.path.join(base, "refs"), exist_ok=True)
    with open(os.path.join(base, "refs", "main"), "w") as f:
        f.write(COMMIT)
    path = os.path.join(base, "snapshots", COMMIT, filename)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def random_state(make, prefix: str = "", half: bool = True) -> dict:
    """Random tensors with the parameter and buffer shapes of ``make()`` (built on the meta
    device, so no real initialisation runs); fp16 halves the files (loading casts them)."""
    import torch

    with torch.device("meta"):
        module = make()
    gen = torch.Generator().manual_seed(0)
    out = {}
    for key, value in module.state_dict().items():
        if value.dtype.is_floating_point:
            tensor = torch.randn(value.shape, generator=gen) * 0.05
            if key.endswith(("running_var", "weight")) and value.ndim == 1:
                tensor = tensor.abs() + 1.0
            out[prefix + key] = tensor.half() if half else tensor
        else:
            out[prefix + key] = torch.zeros(value.shape, dtype=value.dtype)
    return out


def _save(cache: str, repo: str, filename: str, state) -> str:
    import torch

    path = hub_path(cache, repo, filename)
    if not os.path.exists(path):
        torch.save(state, path)
    return path


def _openpose_state(make) -> dict:
    # the files hold the keys without the first component (controlnet-aux's util.transfer);
    # the last heatmap stage outputs -1 everywhere, so no (random) body is found and a frame
    # takes milliseconds instead of minutes
    state = random_state(make)
    for key in state:
        if "Mconv7_stage6" in key:
            state[key] = state[key] * 0 - (1 if key.endswith("bias") else 0)
    return {".".join(k.split(".")[1:]): v for k, v in state.items()}


BUILDERS = {}


def builder(name):
    def register(fn):
        BUILDERS[name] = fn
        return fn
    return register


@builder("hed")
def _hed(cache):
    from controlnet_aux.hed import ControlNetHED_Apache2

    _save(cache, "lllyasviel/Annotators", "ControlNetHED.pth", random_state(ControlNetHED_Apache2))


@builder("pidi")
def _pidi(cache):
    from controlnet_aux.pidi.model import pidinet

    state = random_state(pidinet, prefix="module.")
    _save(cache, "lllyasviel/Annotators", "table5_pidinet.pth", {"state_dict": state})


@builder("teed")
def _teed(cache):
    from controlnet_aux.teed.ted import TED

    _save(cache, "fal-ai/teed", "5_model.pth", random_state(TED))


@builder("anyline")
def _anyline(cache):
    from controlnet_aux.teed.ted import TED

    _save(cache, "TheMistoAI/MistoLine", "Anyline/MTEED.pth", random_state(TED))


@builder("lineart")
def _lineart(cache):
    from controlnet_aux.lineart import Generator

    for name in ("sk_model.pth", "sk_model2.pth"):
        _save(cache, "lllyasviel/Annotators", name, random_state(lambda: Generator(3, 1, 3)))


@builder("lineart-anime")
def _lineart_anime(cache):
    import functools

    import torch
    from controlnet_aux.lineart_anime import UnetGenerator

    norm = functools.partial(torch.nn.InstanceNorm2d, affine=False, track_running_stats=False)
    state = random_state(lambda: UnetGenerator(3, 1, 8, 64, norm_layer=norm, use_dropout=False),
                         prefix="module.")
    _save(cache, "lllyasviel/Annotators", "netG.pth", state)


@builder("mlsd")
def _mlsd(cache):
    from controlnet_aux.mlsd.models.mbv2_mlsd_large import MobileV2_MLSD_Large

    _save(cache, "lllyasviel/Annotators", "mlsd_large_512_fp32.pth",
          random_state(MobileV2_MLSD_Large))


@builder("openpose")
def _openpose(cache):
    from controlnet_aux.open_pose.face import FaceNet
    from controlnet_aux.open_pose.model import bodypose_model, handpose_model

    _save(cache, "lllyasviel/Annotators", "body_pose_model.pth", _openpose_state(bodypose_model))
    _save(cache, "lllyasviel/Annotators", "hand_pose_model.pth", _openpose_state(handpose_model))
    _save(cache, "lllyasviel/Annotators", "facenet.pth", random_state(FaceNet))


@builder("midas")
def _midas(cache):
    from controlnet_aux.midas.midas.dpt_depth import DPTDepthModel

    state = random_state(lambda: DPTDepthModel(path=None, backbone="vitb_rn50_384",
                                               non_negative=True))
    _save(cache, "lllyasviel/Annotators", "dpt_hybrid-midas-501f0c75.pt", state)


@builder("normal-bae")
def _normal_bae(cache):
    import types

    from controlnet_aux.normalbae.nets.NNET import NNET

    args = types.SimpleNamespace(mode="client", architecture="BN", pretrained="scannet",
                                 sampling_ratio=0.4, importance_ratio=0.7)
    state = random_state(lambda: NNET(args), prefix="module.")
    _save(cache, "lllyasviel/Annotators", "scannet.pt", {"model": state})


@builder("leres")
def _leres(cache):
    from controlnet_aux.leres.leres.multi_depth_model_woauxi import RelDepthModel
    from controlnet_aux.leres.pix2pix.models import networks

    # res101.pth: {"depth_model": RelDepthModel(resnext101) state with DataParallel's "module."};
    # latest_net_G.pth: the pix2pix merge U-Net's own state dict (unet_1024, no norm layers)
    state = random_state(lambda: RelDepthModel(backbone="resnext101"), prefix="module.")
    _save(cache, "lllyasviel/Annotators", "res101.pth", {"depth_model": state})
    unet = random_state(lambda: networks.UnetGenerator(
        2, 1, 10, 64, norm_layer=networks.get_norm_layer("none"), use_dropout=False))
    _save(cache, "lllyasviel/Annotators", "latest_net_G.pth", unet)


def build(cache: str, names=None) -> str:
    """Write the weights of ``names`` (default: all) into the hub cache folder ``cache``."""
    import warnings

    with warnings.catch_warnings():  # controlnet-aux warns about mediapipe and timm on import
        warnings.simplefilter("ignore")
        for name in names or BUILDERS:
            BUILDERS[name](cache)
    return cache


def compact_upscaler(path: str, scale: int = 4, num_feat: int = 8, num_conv: int = 2) -> str:
    """A random SRVGGNetCompact (the realesr-general-x4v3 architecture) saved as a .pth file in
    the layout of the released weights ({"params": state dict})."""
    import torch
    from spandrel.architectures.Compact.__arch.SRVGG import SRVGGNetCompact

    torch.manual_seed(0)
    net = SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=num_feat, num_conv=num_conv,
                          upscale=scale, act_type="prelu")
    torch.save({"params": net.state_dict()}, path)
    return path


def swinir_upscaler(path: str, scale: int = 4) -> str:
    """A small random SwinIR (classical SR, pixelshuffle, window 8: the SwinIR-M x4 layout with
    fewer and narrower layers) saved as the released .pth files are ({"params": state dict})."""
    import torch
    from spandrel.architectures.SwinIR.__arch.SwinIR import SwinIR

    torch.manual_seed(0)  # built for real: its index and mask buffers are computed
    net = SwinIR(upscale=scale, img_size=48, window_size=8, embed_dim=12, depths=[2],
                 num_heads=[2], mlp_ratio=2.0, upsampler="pixelshuffle", resi_connection="1conv")
    torch.save({"params": net.state_dict()}, path)
    return path


def ncnn_upscaler(path: str, scale: int = 4, features: int = 8) -> str:
    """A random x``scale`` NCNN upscaler: ``path`` is its .bin, the .param file is written beside
    it (same stem). Input -> 3x3 convolution -> ReLU -> 3x3 convolution -> PixelShuffle, in
    ncnn's own formats (text .param; .bin with a float32 flag before each weight blob)."""
    import numpy

    rng = numpy.random.default_rng(0)
    out = 3 * scale * scale
    sizes = (features * 3 * 9, out * features * 9)
    param = "\n".join([
        "7767517", "5 5",
        "Input            in0       0 1 in0",
        f"Convolution      conv_0    1 1 in0 c0 0={features} 1=3 4=1 5=1 6={sizes[0]}",
        "ReLU             relu_0    1 1 c0 r0",
        f"Convolution      conv_1    1 1 r0 c1 0={out} 1=3 4=1 5=1 6={sizes[1]}",
        f"PixelShuffle     shuffle   1 1 c1 out0 0={scale}", ""])
    with open(os.path.splitext(path)[0] + ".param", "w") as f:
        f.write(param)
    with open(path, "wb") as f:
        for size, biases in zip(sizes, (features, out)):
            f.write(numpy.zeros(1, numpy.uint32).tobytes())  # flag 0: float32 weights follow
            f.write((rng.standard_normal(size) * 0.1).astype(numpy.float32).tobytes())
            f.write(numpy.full(biases, 0.3, numpy.float32).tobytes())
    return path


def lama_inpainter(path: str) -> str:
    """A random-weight LaMa (big-lama's architecture) state dict saved as a .pth file, in the
    key layout of the released checkpoints ("generator.model...")."""
    import torch
    from spandrel.architectures.LaMa.__arch.LaMa import LaMa

    state = random_state(lambda: LaMa(in_nc=4, out_nc=3))
    state = {k.replace("model.model", "generator.model", 1): v for k, v in state.items()}
    torch.save(state, path)
    return path


def mat_inpainter(path: str) -> str:
    """A random-weight MAT (spandrel-extra-arches' architecture: one fixed size, 62M
    parameters) saved in fp16 as a .pth state dict, like Places_512_FullData_G.pth."""
    import torch
    from spandrel_extra_arches.architectures.MAT.__arch.MAT import MAT

    torch.manual_seed(0)  # built for real: its filters are computed buffers
    state = {k: v.half() if v.is_floating_point() else v for k, v in MAT().state_dict().items()}
    torch.save(state, path)
    return path


@builder("interposer")
def _interposer(cache):
    from safetensors.torch import save_file

    from dgenerate_core.processors.interposer import REPO, build_network, weight_name

    for source, target in (("v1", "xl"), ("xl", "v3"), ("ca", "v1"), ("fx", "xl")):
        state = random_state(lambda: build_network(source, target), half=False)
        path = hub_path(cache, REPO, f"v4.0/{weight_name(source, target)}")
        if not os.path.exists(path):
            save_file({k: v.contiguous() for k, v in state.items()}, path)


@builder("zoe")
def _zoe(cache):
    # the full ZoeD_M12_N architecture (BEiT-L MiDaS core, 345M parameters: 690 MB in fp16);
    # the log-binomial's constants are buffers in the file, saved with their real values
    import torch
    from controlnet_aux.zoe.zoedepth.models.zoedepth.zoedepth_v1 import ZoeDepth
    from controlnet_aux.zoe.zoedepth.utils.config import get_config

    path = hub_path(cache, "lllyasviel/Annotators", "ZoeD_M12_N.pt")
    if os.path.exists(path):
        return
    state = random_state(lambda: ZoeDepth.build_from_config(get_config("zoedepth", "infer")))
    head = "conditional_log_binomial.log_binomial_transform."
    bins = state[head + "k_idx"].shape[1]
    state[head + "k_idx"] = torch.arange(bins).view(1, -1, 1, 1)
    state[head + "K_minus_1"] = torch.tensor([bins - 1.0]).view(1, -1, 1, 1)
    torch.save({"model": state}, path)
