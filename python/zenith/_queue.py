"""Asynchronous runs: a queue of requests that keeps a compiled model's streams busy, and runs
that asyncio can await. Both end in a callback on a stream's thread."""

import asyncio
import threading


class AsyncInferQueue:
    """`jobs` requests of `compiled` (0: as many as keep its streams busy,
    compiled.optimal_number_of_requests). start_async(inputs, userdata) runs on an idle request,
    waiting for one if all are busy; the callback given to set_callback is called as
    callback(request, userdata) on a stream's thread when a run succeeds (request.outputs holds
    its outputs), after which the request is idle again. The first failure, of a run or of the
    callback, is raised by the next start_async or wait_all."""

    def __init__(self, compiled, jobs=0):
        jobs = jobs or compiled.optimal_number_of_requests
        if jobs < 1:
            raise ValueError(f"AsyncInferQueue: jobs must be at least 1, got {jobs}")
        self._requests = [compiled.create_infer_request() for _ in range(jobs)]
        self._userdata = [None] * jobs
        self._idle = list(range(jobs))
        self._changed = threading.Condition()
        self._callback = None
        self._errors = []
        for i, request in enumerate(self._requests):
            request.set_callback(lambda error, i=i: self._ended(i, error))

    def __len__(self):
        return len(self._requests)

    def __getitem__(self, i):
        return self._requests[i]

    def set_callback(self, callback):
        self._callback = callback

    def _ended(self, i, error):
        try:
            if error is None and self._callback is not None:
                self._callback(self._requests[i], self._userdata[i])
        except BaseException as e:
            error = e
        with self._changed:
            if error is not None:
                self._errors.append(error)
            self._idle.append(i)
            self._changed.notify_all()

    def _raise_first_error(self):
        if self._errors:
            error, self._errors = self._errors[0], []
            raise error

    def start_async(self, inputs, userdata=None):
        with self._changed:
            self._raise_first_error()
            self._changed.wait_for(lambda: self._idle)
            i = self._idle.pop()
        self._userdata[i] = userdata
        try:
            self._requests[i].wait()  # it was given back from its callback, which may not have returned
            self._requests[i].start_async(inputs)
        except BaseException:
            with self._changed:
                self._idle.append(i)
                self._changed.notify_all()
            raise

    def is_ready(self):
        """True when a request is idle, so that start_async would not wait."""
        with self._changed:
            return bool(self._idle)

    def wait_all(self):
        with self._changed:
            self._changed.wait_for(lambda: len(self._idle) == len(self._requests))
            self._raise_first_error()


async def infer_async(compiled, inputs):
    """`compiled(inputs)` without blocking the event loop: the run goes to the model's streams and
    the loop is woken when it ends. Returns the outputs, a dict name -> array."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(outputs, error):
        if future.cancelled():
            return
        if error is None:
            future.set_result(outputs)
        else:
            future.set_exception(error)

    compiled._start(inputs, lambda outputs, error: loop.call_soon_threadsafe(settle, outputs, error))
    return await future
