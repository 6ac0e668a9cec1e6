"""Figure: uploads of 1 MB phone photos — POST /api/v1/files (magic-byte check, Pillow decode and re-encode
without EXIF, SHA-256, the blob written atomically, the row) under gunicorn with 8 clients.

References in the same run:
- a plain file write of the same 1 MB (write + fsync + unlink, in this process, one writer);
- a bare Flask endpoint under the same gunicorn settings that takes the same multipart body and writes the
  file to disk, nothing else. The ratio is against this one; the target is ≥ 10 %: decoding and re-encoding a
  12-megapixel-class photo is the cost of not storing anyone's GPS position.
The Python load generator drives it (wrk's Lua cannot carry 64 different 1 MB bodies).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_database, emit, environment_for_bench, gunicorn, load, timed_parser  # noqa: E402

IMAGES = 64
TARGET_RATIO = 0.10


def photos(count: int) -> list[bytes]:
    """Distinct photos of about 1 MB (noise does not compress, so each stays near its size)."""
    from PIL import Image

    made = []
    for n in range(count):
        image = Image.frombytes("RGB", (1200, 900), os.urandom(1200 * 900 * 3))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=90, comment=f"bench {n}".encode())
        made.append(out.getvalue())
    return made


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nmaterial\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def prepare(env: dict[str, str], clients: int) -> list[str]:
    os.environ.update(env)
    from config import load_settings
    from miniapp_api.citizens.models import AuthSession, Citizen
    from miniapp_api.citizens.services import hash_token
    from miniapp_api.migrations import upgrade
    from miniapp_api.platform.clock import utcnow
    from miniapp_api.platform.db import db

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    db.configure(settings.sqlalchemy_url)
    tokens = []
    with db.new_session() as session:
        for n in range(clients):
            citizen = Citizen(openid=f"o-bench-upload-{n}")
            session.add(citizen)
            session.flush()
            token = f"bs_bench-upload-{n}"
            session.add(AuthSession(citizen_id=citizen.id, token_hash=hash_token(token),
                                    expires_at=utcnow() + timedelta(days=1)))
            tokens.append(token)
        session.commit()
    return tokens


def plain_writes(data: bytes, seconds: float, folder: str) -> float:
    done, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        handle, name = tempfile.mkstemp(dir=folder)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.unlink(name)
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    args = timed_parser(clients=8).parse_args()
    images = photos(IMAGES)
    bodies = [multipart(image) for image in images]
    size_mb = sum(map(len, images)) / len(images) / 1024 / 1024
    with bench_database("banshi_bench_uploads") as (database_url, redis_url), \
            tempfile.TemporaryDirectory(prefix="banshi-bench-files-") as folder:
        env = environment_for_bench(database_url, redis_url)
        env.update(INSTANCE_PATH=folder, FILE_STORAGE_PATH=str(Path(folder) / "files"), BENCH_UPLOAD_DIR=folder)
        tokens = prepare(env, args.clients)

        def subject(client: int, n: int):
            body, content_type = bodies[(client * 8 + n) % IMAGES]
            return "POST", "/api/v1/files", {"Authorization": f"Bearer {tokens[client]}",
                                             "Content-Type": content_type}, body

        def bare(client: int, n: int):
            body, content_type = bodies[(client * 8 + n) % IMAGES]
            return "POST", "/upload", {"Content-Type": content_type}, body

        plain = plain_writes(images[0], min(args.seconds, 5.0), folder)
        with gunicorn("bench.bare_app:create_bare_app()", env) as port:
            load(port, bare, clients=args.clients, seconds=1)
            reference = load(port, bare, clients=args.clients, seconds=args.seconds)
        with gunicorn("miniapp_api:create_app()", env) as port:
            load(port, subject, clients=args.clients, seconds=1)
            measured = load(port, subject, clients=args.clients, seconds=args.seconds)
    ratio = round(measured["rps"] / reference["rps"], 3) if reference["rps"] else None
    emit({"figure": "uploads: 1 MB photos, checked and re-encoded (POST /api/v1/files)",
          "subject_result": measured, "reference_result": reference, "ratio": ratio, "target_ratio": TARGET_RATIO,
          "rate": measured["rps"], "megabytes_per_second": round(measured["rps"] * size_mb, 1),
          "image_mb": round(size_mb, 2), "plain_write_per_second": round(plain, 1),
          "against_plain_write": round(measured["rps"] / plain, 4) if plain else None,
          "statuses": measured["statuses"]})


if __name__ == "__main__":
    main()
