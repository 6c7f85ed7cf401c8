# The C types of reach.py for Cython (an augmenting .pxd): the source stays plain Python,
# which is what runs where nothing was compiled. Part of the build's stamp: editing it turns
# the compiled build off until `make compile`.
cimport cython


@cython.locals(index=Py_ssize_t)
cpdef Py_ssize_t first_reach(
    const double[::1] lows,
    const double[::1] highs,
    Py_ssize_t start,
    Py_ssize_t stop,
    double below,
    double above,
) except? -1
