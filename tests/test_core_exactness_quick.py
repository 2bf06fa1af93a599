"""Guard for core's exactness contract under other BLAS kernels (runs benchmarks/check_core_exactness.py).

(1) a sequence's states and output are bit-for-bit the same alone or in a padded batch; (2) pads (appended
or with any values) change no state, output or gradient total. Both rest on every state/output product
being one BLAS gemv per row. Whether that holds can depend on the kernel set OpenBLAS picks at run time:
np.matvec(W.T, rows), for example, passes on this machine's default kernels but fails under
OPENBLAS_CORETYPE=Prescott, whose dot kernels round by the row's memory alignment. So the check also runs
in a subprocess with old SSE kernels forced (OpenBLAS ignores the variable when it cannot switch kernels).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "check_core_exactness.py"


@pytest.mark.parametrize("coretype", [None, "Prescott", "Haswell"])
def test_exactness_over_random_shapes(coretype):
    env = dict(os.environ)
    if coretype is not None:
        env["OPENBLAS_CORETYPE"] = coretype
    result = subprocess.run([sys.executable, str(SCRIPT), "--n", "40"], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
