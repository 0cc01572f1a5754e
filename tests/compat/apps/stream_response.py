"""StreamingResponse from sync and async generators, with media types and headers."""

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


async def fake_video_streamer():
    for i in range(3):
        yield b"some fake video bytes " + str(i).encode()


def csv_rows():
    yield "id,name\n"
    for i in range(3):
        yield f"{i},name{i}\n"


@app.get("/video")
async def video():
    return StreamingResponse(fake_video_streamer())


@app.get("/csv")
def csv():
    headers = {"Content-Disposition": 'attachment; filename="rows.csv"', "X-Rows": "3"}
    return StreamingResponse(csv_rows(), media_type="text/csv", headers=headers)


@app.get("/empty")
def empty():
    return StreamingResponse(iter(()), status_code=202, media_type="text/plain")


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/video", {}),
    ("GET", "/csv", {}),
    ("GET", "/empty", {}),
]
