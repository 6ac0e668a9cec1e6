"""The template files are configuration: a city's own (WECHAT_TEMPLATES_FILE, SMS_TEMPLATES_FILE) is what the
running app reads; the ones shipped in config/ serve where no app runs."""

import json

from miniapp_api.notifications import sms, templates


def test_the_running_app_reads_the_template_files_its_configuration_names(app, tmp_path, monkeypatch):
    shipped = templates.load_templates()
    ours = {group: dict(spec, template_id=f"city-{group}") for group, spec in
            json.loads(templates.SHIPPED_FILE.read_text(encoding="utf-8")).items() if not group.startswith("_")}
    wechat_file = tmp_path / "wechat.json"
    wechat_file.write_text(json.dumps(ours, ensure_ascii=False), encoding="utf-8")
    sms_shipped = json.loads(sms.SHIPPED_SMS_FILE.read_text(encoding="utf-8"))
    sms_file = tmp_path / "sms.json"
    sms_file.write_text(json.dumps({kind: dict(spec, template_id="9" + str(spec["template_id"])) if not
                                    kind.startswith("_") else spec for kind, spec in sms_shipped.items()},
                                   ensure_ascii=False), encoding="utf-8")
    monkeypatch.setitem(app.config, "WECHAT_TEMPLATES_FILE", wechat_file)
    monkeypatch.setitem(app.config, "SMS_TEMPLATES_FILE", sms_file)
    with app.app_context():
        assert templates.template_for("appointment_booked").template_id == "city-appointment_status"
        assert all(t.template_id.startswith("9") for t in sms.load_sms_templates().values())
    # Without a running app (the emulator's command, a script): the files shipped.
    assert templates.template_for("appointment_booked").template_id == shipped["appointment_status"].template_id
    assert not any(t.template_id.startswith("9") for t in sms.load_sms_templates().values())
