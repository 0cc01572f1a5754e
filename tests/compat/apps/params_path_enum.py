"""Enum path parameters (str and int enums) and the ``:path`` converter."""

from enum import IntEnum, StrEnum

from fastapi import FastAPI

app = FastAPI()


class ModelName(StrEnum):
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"


class Level(IntEnum):
    low = 1
    high = 2


@app.get("/models/{model_name}")
async def get_model(model_name: ModelName):
    if model_name is ModelName.alexnet:
        return {"model_name": model_name, "message": "Deep Learning FTW!"}
    return {"model_name": model_name, "value": model_name.value}


@app.get("/levels/{level}")
def get_level(level: Level):
    return {"level": level, "name": level.name}


@app.get("/files/{file_path:path}")
async def read_file(file_path: str):
    return {"file_path": file_path}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/models/alexnet", {}),
    ("GET", "/models/lenet", {}),
    ("GET", "/models/vgg", {}),
    ("GET", "/models/ALEXNET", {}),
    ("GET", "/levels/2", {}),
    ("GET", "/levels/3", {}),
    ("GET", "/levels/high", {}),
    ("GET", "/files/home/johndoe/myfile.txt", {}),
    ("GET", "/files//etc/passwd", {}),
]
