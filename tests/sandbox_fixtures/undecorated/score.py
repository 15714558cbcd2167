import json


def init():
    print("init")


def run(raw_data):
    data = json.loads(raw_data)["data"]
    return {"sum": sum(data)}
