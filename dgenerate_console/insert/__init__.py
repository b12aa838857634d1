"""The console's Insert dialogs: recipes, argument / directive / function pickers, URI builders
and path dialogs (config-console.md §9.5–§9.8). Torch-free; data files live in ``resources/``."""

from dgenerate_console.insert.menus import build_insert_menus
from dgenerate_console.insert.recipe_dialog import RecipeDialog, open_recipe_dialog

__all__ = ["build_insert_menus", "open_recipe_dialog", "RecipeDialog"]
