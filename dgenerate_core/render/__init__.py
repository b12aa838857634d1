"""The render engine: ``plan`` (pure: options -> generation steps), ``naming`` (file names and
``_duplicate_N``), ``calls`` (pipeline keyword arguments, rule R71), ``execute`` (the loop, SDXL
refiner, animations), ``output`` (images, grids, latents, animations, ``.dgen`` configs,
metadata), ``crop`` (``--inpaint-crop``), ``pag`` (PAG pipelines), ``a1111`` (``-oam``), ``log``.

Importing this package imports neither torch nor diffusers.
"""
