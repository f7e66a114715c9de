import pytest

from support import Cachet


@pytest.fixture
def server():
    """A fresh cachet-server; after the test it must still be alive and exit 0 on SIGTERM."""
    with Cachet() as s:
        yield s
        assert s.proc.poll() is None, "cachet-server died during the test"
        assert s.stop() == 0
