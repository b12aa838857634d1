"""openpose: body, hand and face pose rigging on the controlnet-aux OpenPose networks, with the
weights of lllyasviel/Annotators (body_pose_model.pth, hand_pose_model.pth, facenet.pth)."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.image import weights
from dgenerate_core.processors.image.annotate import Annotator
from dgenerate_core.processors.image.weights import ANNOTATORS

FILES = {"body": "body_pose_model.pth", "hand": "hand_pose_model.pth", "face": "facenet.pth"}


class OpenposeProcessor(Annotator):
    """Generate an OpenPose rigging from the input image (of a human or humanoid) for use with a
    ControlNet.

    "include-body" draws the body rigging, "include-hand" a detailed hand and finger rigging,
    "include-face" a detailed face rigging. Weights: lllyasviel/Annotators body_pose_model.pth,
    hand_pose_model.pth and facenet.pth (only the ones needed are downloaded).
    """

    NAMES = ("openpose",)
    ALIGN = 64

    def __init__(self, include_body: bool = True, include_hand: bool = False,
                 include_face: bool = False, detect_resolution: str | None = None,
                 detect_aspect: bool = True, detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, detect_align, **kwargs)
        self.include_body, self.include_hand = include_body, include_hand
        self.include_face = include_face

    def _part(self, part: str) -> Any:
        path = self.hub(ANNOTATORS, FILES[part])

        def load() -> Any:
            from controlnet_aux.open_pose import Body, Face, Hand

            return {"body": Body, "hand": Hand, "face": Face}[part](path)

        return weights.cached(("openpose", part, weights.file_key(path)), load,
                              f"openpose {part}")

    def model(self) -> Any:
        from controlnet_aux.open_pose import OpenposeDetector

        return OpenposeDetector(self._part("body"),
                                self._part("hand") if self.include_hand else None,
                                self._part("face") if self.include_face else None)

    def modules(self, model: Any) -> list[Any]:
        parts = (model.body_estimation, model.hand_estimation, model.face_estimation)
        return [p.model for p in parts if p is not None]

    def detect(self, model: Any, array: Any) -> Any:
        n = min(array.shape[0], array.shape[1])
        return model(array, n, n, include_body=self.include_body,
                     include_hand=self.include_hand, include_face=self.include_face,
                     output_type="np")
CLASSES = (OpenposeProcessor,)
