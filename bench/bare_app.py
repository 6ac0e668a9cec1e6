"""The reference: a bare Flask JSON endpoint, served with the same gunicorn settings as Banshi."""

import os
import tempfile

from flask import Flask, jsonify, render_template_string, request

# A static page as large as the page it stands for: a header and a table of fixed rows, no database.
STATIC_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>静态页面</title></head><body>
<main><h1>等候中</h1><table><thead><tr><th>号码</th><th>事项</th><th>来源</th><th>姓名</th><th>取号时间</th></tr></thead>
<tbody>{% for i in range(rows) %}<tr><td>B{{ "%03d"|format(i) }}</td><td>个体工商户设立登记</td><td>现场</td><td>—</td>
<td>09:{{ "%02d"|format(i % 60) }}</td></tr>{% endfor %}</tbody></table>{{ padding }}</main></body></html>"""


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

    upload_dir = os.environ.get("BENCH_UPLOAD_DIR")

    @app.post("/upload")
    def upload():
        """The reference for uploads: take the same multipart body and write the file to disk (fsync), nothing
        else — no check, no re-encoding, no database."""
        data = request.files["file"].read()
        handle, name = tempfile.mkstemp(dir=upload_dir)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.unlink(name)
        return jsonify({"size": len(data)}), 201

    target = int(os.environ.get("BENCH_PAGE_BYTES", "0"))
    with app.app_context():
        one_row = len(render_template_string(STATIC_PAGE, rows=1, padding="").encode())
        no_rows = len(render_template_string(STATIC_PAGE, rows=0, padding="").encode())
        rows = max(0, (target - no_rows) // max(1, one_row - no_rows))
        padding = " " * max(0, target - len(render_template_string(STATIC_PAGE, rows=rows, padding="").encode()))

    @app.get("/page")
    def page():
        """The reference for server-rendered pages: the same Jinja engine, the same number of bytes."""
        return render_template_string(STATIC_PAGE, rows=rows, padding=padding)

    return app
