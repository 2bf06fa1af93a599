"""What every benchmark against PyTorch starts with: this checkout importable, torch, threadpoolctl.

    from peer import torch, threadpool_info, threadpool_limits   # then import rnnviz

threadpool_info / threadpool_limits are None when threadpoolctl is missing (numpy's BLAS may then use
several threads; the benchmarks say so).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # run from a checkout without installing

try:
    import torch
except ImportError:                                                # pragma: no cover - benchmarks need torch
    sys.exit("this benchmark compares against PyTorch: pip install torch==2.13.0")

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:                                                # pragma: no cover
    threadpool_info = threadpool_limits = None

__all__ = ["torch", "threadpool_info", "threadpool_limits"]
