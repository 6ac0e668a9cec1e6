"""The reference: a bare Flask JSON endpoint, served with the same gunicorn settings as Banshi."""

from flask import Flask, jsonify, request


def create_bare_app() -> Flask:
    app = Flask("bare")

    @app.get("/healthz")
    @app.get("/hello")
    def hello():
        return jsonify({"hello": "world"})

    @app.post("/echo")
    def echo():
        """The reference for writes: parse the same JSON body, answer 201."""
        return jsonify(request.get_json()), 201

    return app
