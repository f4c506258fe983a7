"""The pytest plugin: hooks (``hooks``, the registered entry point), the controller's
session, the cost scheduler. The only modules of the harness that import pytest."""
