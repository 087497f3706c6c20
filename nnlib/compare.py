"""How far apart two results are, printed so that the text is the same on every computer.

Two ways of computing the same numbers (a loop and a matrix product, NumPy and PyTorch) agree up to
rounding: their last digits depend on the order of the additions, which the processor's fastest code
path chooses (OpenBLAS and PyTorch pick different kernels on different CPUs, and with one thread or
several). A difference of ``4.4e-16`` here is ``0.0`` or ``1.1e-16`` elsewhere, so the notebooks print
only that it is below a bound that no rounding reaches.
"""
__all__ = ["agreement"]


def agreement(difference, tol=1e-12):
    """A difference for printing: ``"< 1e-12"`` when it is round-off, else the number (3 significant digits).

    The digits of a round-off difference (1e-17 here, 3e-17 there) depend on the processor and the
    BLAS library, so the notebooks print only that it is below ``tol``.
    """
    return f"< {tol:.0e}" if difference < tol else f"{difference:.3g}"

