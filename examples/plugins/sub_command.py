"""Example sub-command plugin: ``dgenerate --plugin-modules sub_command.py --sub-command example-hello a b``."""

from dgenerate_core.subcommands import SubCommand


class HelloSubCommand(SubCommand):
    """Say hello to each argument, one line each.

    example-hello NAME [NAME ...]
    """

    NAMES = ("example-hello",)

    def __call__(self) -> int:
        if not self.args or "--help" in self.args:
            print("usage: example-hello NAME [NAME ...]")
            return 0 if self.args else 1
        for name in self.args:
            print(f"hello {name}")
        return 0
