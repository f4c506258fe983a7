"""The ``synthbench`` sub-commands, one module each: the top floor.

A sub-command may import any layer, also inside its functions (so ``synthbench
--help`` stays quick); nothing in the package imports from here.
"""
