"""Start ``llama_cpp.server`` with llama.cpp's extra weight buffers switched off.

``python -m harness.backends.llama_launch [llama_cpp.server arguments]``

Why: a source build of llama-cpp-python compiles for the build machine's CPU
(``-march=native``). On this machine ``/proc/cpuinfo`` lists AMX, so the AMX
kernels are built and chosen for the repacked ("extra") weight buffers, but the
sandbox traps the first AMX instruction (``tilezero``: SIGILL, the server dies on
its first multi-token prompt). With ``use_extra_bufts`` off, weights stay in plain
CPU buffers and the ordinary AVX kernels run; for small models the repacking gains
little. llama-cpp-python does not expose the flag, so its default model parameters
are wrapped before the server builds its model. ``SYNTHBENCH_LLAMA_EXTRA_BUFFERS=1``
keeps llama.cpp's default.
"""

from __future__ import annotations

import os
import sys
from typing import Any

ENV_EXTRA = "SYNTHBENCH_LLAMA_EXTRA_BUFFERS"


def without_extra_buffers() -> None:
    import llama_cpp.llama as llama_mod
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    def params() -> Any:
        p = original()
        p.use_extra_bufts = False
        return p

    lib.llama_model_default_params = params
    llama_mod.llama_cpp.llama_model_default_params = params


def main() -> None:
    if os.environ.get(ENV_EXTRA, "") != "1":
        without_extra_buffers()
    from llama_cpp.server.__main__ import main as server_main

    sys.argv[0] = "llama_cpp.server"
    server_main()


if __name__ == "__main__":
    main()
