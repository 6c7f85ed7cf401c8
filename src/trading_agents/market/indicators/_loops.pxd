# The C types of _loops.py for Cython (an augmenting .pxd): the source stays plain Python,
# which is what runs where nothing was compiled. Part of the build's stamp: editing it turns
# the compiled build off until `make compile`.
cimport cython


cdef void _check_room(Py_ssize_t count, Py_ssize_t period, double[::1] out) except *


@cython.locals(count=Py_ssize_t, i=Py_ssize_t, k=double, total=double, average=double)
cpdef void ema_into(const double[::1] values, Py_ssize_t period, double[::1] out)


@cython.locals(count=Py_ssize_t, i=Py_ssize_t, total=double)
cpdef void sma_into(const double[::1] values, Py_ssize_t period, double[::1] out)


@cython.locals(
    count=Py_ssize_t, i=Py_ssize_t, factor=double, divisor=double, average=double
)
cpdef void wilder_into(const double[::1] steps, Py_ssize_t period, double[::1] out)
