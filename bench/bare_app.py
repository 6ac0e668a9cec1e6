"""The reference: a bare Flask JSON endpoint, served with the same gunicorn settings as Banshi."""

from flask import Flask, jsonify


def create_bare_app() -> Flask:
    app = Flask("bare")

    @app.get("/healthz")
    @app.get("/hello")
    def hello():
        return jsonify({"hello": "world"})

    return app
