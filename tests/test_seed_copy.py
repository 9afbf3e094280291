"""The committed seed page is the shared one, byte for byte, wherever both are present."""
import pytest

from app.config import PROJECT_ROOT
from tests.support import SEED_FILE

SHARED_SEED = PROJECT_ROOT.parent / "shared" / "seeds" / SEED_FILE.name


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="../shared/seeds is not beside this clone")
def test_committed_seed_is_the_shared_seed():
    assert SEED_FILE.read_bytes() == SHARED_SEED.read_bytes()
