"""The built-in prompt upscalers; importing this registers them."""
