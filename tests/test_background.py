"""Background tasks: sync and async callables, run in order after the response."""

from __future__ import annotations

import contextvars
import functools
import threading
from typing import Any

import pytest

from heron.background import BackgroundTask, BackgroundTasks
from heron.responses import Response
from heron.types import Message

pytestmark = pytest.mark.anyio


async def test_async_task_gets_its_arguments() -> None:
    calls: list[Any] = []

    async def task(a: int, b: int, *, c: int) -> None:
        calls.append((a, b, c))

    background = BackgroundTask(task, 1, 2, c=3)
    assert background.is_async
    assert (background.func, background.args, background.kwargs) == (task, (1, 2), {"c": 3})
    await background()
    assert calls == [(1, 2, 3)]


async def test_sync_task_runs_in_a_worker_thread() -> None:
    threads: list[int] = []

    def task(value: str) -> None:
        threads.append(threading.get_ident())

    background = BackgroundTask(task, "x")
    assert not background.is_async
    await background()
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_async_callable_object_and_partial_are_awaited() -> None:
    calls: list[str] = []

    class Notifier:
        async def __call__(self, message: str) -> None:
            calls.append(message)

    async def send(prefix: str, message: str) -> None:
        calls.append(prefix + message)

    notifier = BackgroundTask(Notifier(), "object")
    partial = BackgroundTask(functools.partial(send, "partial:"), "x")
    assert notifier.is_async
    assert partial.is_async
    await notifier()
    await partial()
    assert calls == ["object", "partial:x"]


async def test_partial_of_an_async_callable_object_is_awaited() -> None:
    calls: list[str] = []

    class Notifier:
        async def __call__(self, prefix: str, message: str) -> None:
            calls.append(prefix + message)

    task = BackgroundTask(functools.partial(functools.partial(Notifier(), "p:")), "x")
    assert task.is_async
    await task()
    assert calls == ["p:x"]


async def test_sync_callable_returning_a_coroutine_is_awaited() -> None:
    calls: list[str] = []

    async def send(message: str) -> None:
        calls.append(message)

    await BackgroundTask(lambda: send("via lambda"))()
    assert calls == ["via lambda"]


async def test_sync_callable_object_and_bound_method() -> None:
    calls: list[str] = []

    class Recorder:
        def __call__(self, value: str) -> None:
            calls.append("call " + value)

        def record(self, value: str) -> None:
            calls.append("method " + value)

        async def arecord(self, value: str) -> None:
            calls.append("async method " + value)

    recorder = Recorder()
    tasks = [
        BackgroundTask(recorder, "a"),
        BackgroundTask(recorder.record, "b"),
        BackgroundTask(recorder.arecord, "c"),
    ]
    assert [t.is_async for t in tasks] == [False, False, True]
    for task in tasks:
        await task()
    assert calls == ["call a", "method b", "async method c"]


async def test_sync_task_sees_context_variables() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[str] = []
    var.set("request-42")
    await BackgroundTask(lambda: seen.append(var.get()))()
    assert seen == ["request-42"]


async def test_background_tasks_run_in_order() -> None:
    calls: list[str] = []

    async def async_task(value: str) -> None:
        calls.append(value)

    tasks = BackgroundTasks()
    tasks.add_task(calls.append, "one")
    tasks.add_task(async_task, "two")
    tasks.add_task(calls.append, "three")
    await tasks()
    assert calls == ["one", "two", "three"]


async def test_background_tasks_initial_list_and_kwargs() -> None:
    calls: list[Any] = []

    def task(*args: Any, **kwargs: Any) -> None:
        calls.append((args, kwargs))

    tasks = BackgroundTasks([BackgroundTask(task, 0)])
    tasks.add_task(task, 1, key="v")
    assert len(tasks.tasks) == 2
    await tasks()
    assert calls == [((0,), {}), ((1,), {"key": "v"})]


async def test_empty_background_tasks() -> None:
    # Nothing to run: the response is sent once, whole, and the task list stays empty.
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    for tasks in (BackgroundTasks(), BackgroundTasks([])):
        sent.clear()
        await Response(b"ok", background=tasks)({"type": "http", "headers": []}, receive, send)
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert sent[1]["body"] == b"ok" and not sent[1].get("more_body", False)
        assert tasks.tasks == []


async def test_a_failing_task_stops_the_rest_and_propagates() -> None:
    calls: list[str] = []

    def boom() -> None:
        raise ValueError("task failed")

    tasks = BackgroundTasks()
    tasks.add_task(calls.append, "before")
    tasks.add_task(boom)
    tasks.add_task(calls.append, "after")
    with pytest.raises(ValueError, match="task failed"):
        await tasks()
    assert calls == ["before"]


async def test_tasks_added_after_the_response_was_built_still_run() -> None:
    # FastAPI style: the endpoint adds tasks to an object the response already holds.
    calls: list[str] = []
    tasks = BackgroundTasks()
    response = Response(b"ok", background=tasks)
    tasks.add_task(calls.append, "late")
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await response({"type": "http", "method": "GET", "headers": []}, receive, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert calls == ["late"]


def test_background_tasks_is_a_background_task() -> None:
    # A response's ``background`` accepts either.
    assert isinstance(BackgroundTasks(), BackgroundTask)
