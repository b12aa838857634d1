"""YOLO detection and Segment Anything through ultralytics (offline set-up, model loading,
detections, masks and previews) and the adetailer algorithm. Imports no torch at import time."""
