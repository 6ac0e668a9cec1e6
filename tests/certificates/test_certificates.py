"""电子证照: issued when an approved case of a certificate item completes, renewed (moving the licence's
reminders), signed (a tampered certificate fails), verified by anyone without leaking the ID number or phone,
shown with a QR code and as a PDF, revoked by a centre manager."""

from __future__ import annotations

import base64
import io
import json
from datetime import date, datetime, timedelta

import pypdf
import pytest
import time_machine
from sqlalchemy import select, text

from miniapp_api.applications import services as applications
from miniapp_api.applications.models import ApplicationStatus as S
from miniapp_api.businesses.models import Business, BusinessLink
from miniapp_api.certificates import certificate_types, services
from miniapp_api.certificates.models import Certificate
from miniapp_api.certificates.signing import KeyRing, PublicKey, Verdict
from miniapp_api.citizens.models import Citizen
from miniapp_api.citizens.services import ID_NUMBER_CONTEXT
from miniapp_api.licences.models import Licence
from miniapp_api.licences.services import first_reminder_on
from miniapp_api.notifications.models import Notification
from miniapp_api.platform import events
from miniapp_api.platform.clock import SHANGHAI
from tests.factories import (
    TEST_CRYPTO_SUITE,
    CentreFactory,
    ItemFactory,
    WindowFactory,
    credit_code,
    id_number,
    make_staff,
    new_test_signing_key,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
PHONE = "13812345678"


@pytest.fixture
def world(db_session, cipher):
    centre = CentreFactory(region="开发区")
    new_item = ItemFactory(name="食品经营许可证（新办）", audience="business")
    renewal = ItemFactory(name="食品经营许可证（延续）", audience="business")
    operator_review = ItemFactory(name="特种设备作业人员证复审", audience="citizen")
    plain = ItemFactory(name="设施农用地备案", audience="citizen")
    WindowFactory(centre_id=centre.id, items=[new_item, renewal, operator_review, plain])
    manager = make_staff(db_session, [centre], ("centre_manager",))
    clerk = make_staff(db_session, [centre], ("window_staff",))
    outsider = make_staff(db_session, [CentreFactory()], ("centre_manager",))
    db_session.commit()
    return dict(centre=centre, plain=plain, new=new_item, renewal=renewal, review=operator_review, manager=manager, clerk=clerk,
                outsider=outsider)


def complete(db_session, cipher, staff, item, centre, applicant, *, approve: bool = True, now: datetime = NOW):
    """A case taken at the counter and carried to 办结, its completion event dispatched as the worker does."""
    case = applications.intake(db_session, cipher, staff, item_code=item.code, centre_id=centre.id,
                               applicant=applicant, now=now, accept=applications.Advance(S.ACCEPTED))
    steps = [S.IN_REVIEW, S.APPROVED, S.COMPLETED] if approve else [S.IN_REVIEW, S.REJECTED, S.COMPLETED]
    for step in steps:
        applications.advance(db_session, staff, case, applications.Advance(step), now)
    pending = list(db_session.scalars(text("SELECT id FROM domain_event WHERE dispatched_at IS NULL")))
    events.dispatch(db_session, pending, now)
    db_session.commit()
    return case


def restaurant(n: int = 1) -> applications.Applicant:
    return applications.Applicant("business", "聊城市开发区老王家常菜馆", credit_code=credit_code(n),
                                  id_number=id_number(700 + n), phone=PHONE)


def test_identifiers_carry_a_check_character_that_catches_one_wrong_or_two_swapped_characters():
    number = certificate_types.identifier("1120", "371571", 2026, 42)
    assert number.startswith("11203715712026000042") and certificate_types.is_valid_identifier(number)
    for position in range(len(number) - 1):
        for replacement in "07AZ":
            if replacement != number[position]:
                typo = number[:position] + replacement + number[position + 1:]
                assert not certificate_types.is_valid_identifier(typo), typo
        swapped = number[:position] + number[position + 1] + number[position] + number[position + 2:]
        if swapped != number:
            assert not certificate_types.is_valid_identifier(swapped), swapped


def test_an_approved_new_licence_case_issues_a_signed_certificate_and_a_licence_with_reminders(
        app, db_session, cipher, world):
    with time_machine.travel(NOW, tick=False):
        case = complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant())
    certificate = db_session.scalars(select(Certificate).where(Certificate.application_id == case.id)).one()
    assert certificate_types.is_valid_identifier(certificate.identifier)
    assert certificate.identifier.startswith("1120371571" + "2026")
    assert certificate.expires_on == date(2031, 11, 23) and certificate.status == "valid"
    assert certificate.payload["data"] == {"经营者名称": "聊城市开发区老王家常菜馆", "社会信用代码": credit_code(1),
                                           "主体业态": "餐饮服务经营者", "发证机关": world["centre"].name}
    signer = app.extensions["banshi.keyring"]
    assert signer.verify(certificate.payload, certificate.signature, certificate.key_id,
                         certificate.issued_on) is Verdict.VALID
    licence = db_session.get(Licence, certificate.licence_id)
    assert (licence.licence_type, licence.number, licence.expires_on) == ("食品经营许可证", certificate.identifier,
                                                                          date(2031, 11, 23))
    assert licence.next_reminder_on == first_reminder_on(date(2031, 11, 23))
    assert licence.renewal_item_id == world["renewal"].id
    # Completing again (a retried event) issues nothing more.
    assert services.issue_for(db_session, signer, cipher, case, NOW).id == certificate.id
    assert db_session.scalar(select(text("count(*)")).select_from(Certificate)) == 1


def test_a_rejected_case_and_an_item_without_a_certificate_issue_nothing(db_session, cipher, world):
    with time_machine.travel(NOW, tick=False):
        complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(2), approve=False)
        complete(db_session, cipher, world["manager"], world["plain"], world["centre"],
                 applications.Applicant("person", "张三", id_number=id_number(801)))
    assert db_session.scalars(select(Certificate)).all() == []


def test_a_tampered_certificate_fails_its_signature(app, db_session, cipher, world, client):
    with time_machine.travel(NOW, tick=False):
        complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(3))
        certificate = db_session.scalars(select(Certificate)).one()
        signer = app.extensions["banshi.keyring"]
        day = certificate.issued_on
        edited = dict(certificate.payload, expires_on="2099-12-31")
        assert signer.verify(edited, certificate.signature, certificate.key_id, day) is Verdict.INVALID
        assert signer.verify(dict(certificate.payload, data={**certificate.payload["data"], "主体业态": "食品销售"}),
                             certificate.signature, certificate.key_id, day) is Verdict.INVALID
        assert signer.verify(certificate.payload, certificate.signature, "0" * 16, day) is Verdict.INVALID
        assert signer.verify(certificate.payload, "not base64!", certificate.key_id, day) is Verdict.INVALID
        page = client.get(f"/verify/{certificate.verify_token}")
        assert page.status_code == 200 and 'role="status">有效<' in page.text
        # Someone edits the stored certificate in the database: the public page says so.
        db_session.execute(text("UPDATE certificate SET payload = jsonb_set(payload, '{data,主体业态}', '\"食品销售\"') "
                                "WHERE id = :id"), {"id": certificate.id})
        db_session.commit()
        tampered = client.get(f"/api/v1/certificates/verify/{certificate.verify_token}").get_json()
        assert tampered["status"] == "tampered" and tampered["status_name"] == "签名核验不通过"
        # Nothing of an unverified payload is vouched for, so nothing of it is shown.
        assert [tampered[k] for k in ("identifier", "type_name", "holder", "issuer", "issued_on", "expires_on")] \
            == [None] * 6
        page = client.get(f"/verify/{certificate.verify_token}")
        assert "签名核验不通过" in page.text and "老王家常菜馆" not in page.text and "持证主体" not in page.text


def test_renewal_moves_the_expiry_and_the_reminders_and_supersedes_the_old_certificate(
        app, db_session, cipher, world):
    licence = Licence(licence_type="特种设备安全管理和作业人员证", number="TS-2022-0001", holder_type="person",
                      holder_name="赵铁柱", contact_id_hash=cipher.lookup_hash(id_number(811), context=ID_NUMBER_CONTEXT),
                      issuing_centre_id=world["centre"].id, issued_on=date(2022, 12, 20),
                      expires_on=date(2026, 12, 20), last_reminder_days=30, next_reminder_on=date(2026, 12, 13))
    db_session.add(licence)
    citizen = Citizen(openid="o-operator")
    db_session.add(citizen)
    db_session.flush()
    reminder = Notification(citizen_id=citizen.id, kind="licence_expiry", title="证照到期提醒", body="7天后到期",
                            subject_type="licence", subject_id=licence.id, status="pending", created_at=NOW,
                            deliver_after=NOW + timedelta(days=20))
    db_session.add(reminder)
    db_session.commit()
    hash_context = cipher.lookup_hash(id_number(811), context=ID_NUMBER_CONTEXT)
    with time_machine.travel(NOW, tick=False):
        case = complete(db_session, cipher, world["clerk"], world["review"], world["centre"],
                        applications.Applicant("person", "赵铁柱", id_number=id_number(811), phone=PHONE))
    renewed = db_session.get(Licence, licence.id)
    assert renewed.expires_on == date(2030, 12, 20)           # four more years from the old expiry
    assert renewed.last_reminder_days is None and renewed.next_reminder_on == date(2030, 9, 21)
    assert db_session.get(Notification, reminder.id).status == "cancelled"
    certificate = db_session.scalars(select(Certificate).where(Certificate.application_id == case.id)).one()
    assert certificate.licence_id == licence.id and certificate.expires_on == date(2030, 12, 20)
    assert certificate.payload["holder_id"] == id_number(811)[:4] + "*" * 10 + id_number(811)[-4:]
    assert certificate.holder_id_hash == hash_context
    # A second renewal supersedes this certificate; the licence keeps one valid certificate.
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        again = complete(db_session, cipher, world["clerk"], world["review"], world["centre"],
                         applications.Applicant("person", "赵铁柱", id_number=id_number(811)),
                         now=NOW + timedelta(days=1))
    newest = db_session.scalars(select(Certificate).where(Certificate.application_id == again.id)).one()
    assert db_session.get(Certificate, certificate.id).status == "superseded" and newest.status == "valid"
    assert newest.identifier != certificate.identifier and newest.expires_on == date(2034, 12, 20)


def test_the_holder_sees_it_with_a_qr_code_and_a_pdf_and_the_verification_page_leaks_nothing(
        client, db_session, cipher, world, verified_login, staff_login):
    number = id_number(821)
    holder = verified_login("钱多多", number, openid="o-cert-holder")
    stranger = verified_login("孙小美", id_number(822))
    with time_machine.travel(NOW, tick=False):
        complete(db_session, cipher, world["clerk"], world["review"], world["centre"],
                 applications.Applicant("person", "钱多多", id_number=number, phone=PHONE))
    listed = client.get("/api/v1/certificates", headers=holder).get_json()["certificates"]
    assert [c["type_name"] for c in listed] == ["特种设备安全管理和作业人员证"]
    certificate_id = listed[0]["id"]
    detail = client.get(f"/api/v1/certificates/{certificate_id}", headers=holder).get_json()
    assert detail["qr_svg"].startswith("data:image/svg+xml") and "/verify/" in detail["verify_url"]
    assert detail["status"] == "valid" and detail["holder_id_masked"] == number[:4] + "*" * 10 + number[-4:]
    pdf = client.get(f"/api/v1/certificates/{certificate_id}/pdf", headers=holder)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    document = pypdf.PdfReader(io.BytesIO(pdf.data))
    assert len(document.pages) == 1 and detail["identifier"] in document.pages[0].extract_text()
    for path in (f"/api/v1/certificates/{certificate_id}", f"/api/v1/certificates/{certificate_id}/pdf"):
        assert client.get(path, headers=stranger).status_code == 404
    assert client.get("/api/v1/certificates", headers=stranger).get_json()["certificates"] == []

    token = detail["verify_url"].rsplit("/", 1)[1]
    page = client.get(f"/verify/{token}")
    assert page.status_code == 200 and 'role="status">有效<' in page.text and "钱**" in page.text
    assert number not in page.text and PHONE not in page.text and "钱多多" not in page.text
    as_json = client.get(f"/api/v1/certificates/verify/{token}").get_json()
    assert number not in str(as_json) and PHONE not in str(as_json) and as_json["holder"].startswith("钱**")
    assert client.get("/verify/not-a-real-token-000").status_code == 404

    # Revocation: a window clerk may not; a manager of another centre finds nothing; the manager revokes.
    revoke = f"/api/staff/v1/certificates/{certificate_id}/revoke"
    assert client.post(revoke, headers=staff_login(world["clerk"]), json={"reason": "证件信息有误"}).status_code == 404
    assert client.post(revoke, headers=staff_login(world["outsider"]), json={"reason": "证件信息有误"}).status_code == 404
    done = client.post(revoke, headers=staff_login(world["manager"]), json={"reason": "持证人不再从事该作业"})
    assert done.status_code == 200 and done.get_json()["status"] == "revoked"
    assert client.post(revoke, headers=staff_login(world["manager"]), json={"reason": "再次撤销"}).status_code == 409
    revoked_page = client.get(f"/verify/{token}")
    assert 'role="status">已撤销<' in revoked_page.text
    certificate = db_session.get(Certificate, certificate_id)
    licence = db_session.get(Licence, certificate.licence_id)
    assert licence.status == "revoked" and licence.next_reminder_on is None
    told = db_session.scalars(select(Notification.body).where(Notification.kind == "certificate_status",
                                                               Notification.title == "电子证照已撤销")).all()
    assert len(told) == 1 and "持证人不再从事该作业" in told[0]


def test_a_business_certificate_is_seen_by_the_people_who_act_for_the_business(client, db_session, cipher, world,
                                                                                verified_login):
    agent = verified_login("王老板", id_number(831), openid="o-restaurant-agent")
    other = verified_login("李四", id_number(832))
    agent_row = db_session.scalars(select(Citizen).where(Citizen.openid == "o-restaurant-agent")).one()
    business = Business(credit_code=credit_code(4), name="聊城市开发区老王家常菜馆", kind="individual",
                        industry_code="H6210", size_class="micro", address="聊城", region="371571",
                        registered_on=date(2024, 1, 1), representative_name="王老板")
    db_session.add(business)
    db_session.flush()
    db_session.add(BusinessLink(business_id=business.id, citizen_id=agent_row.id, role="representative",
                                source="registry"))
    db_session.commit()
    with time_machine.travel(NOW, tick=False):
        complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(4))
    mine = client.get("/api/v1/certificates", headers=agent).get_json()["certificates"]
    assert [(c["type_name"], c["credit_code"]) for c in mine] == [("食品经营许可证", credit_code(4))]
    assert client.get(f"/api/v1/certificates/{mine[0]['id']}", headers=other).status_code == 404


# --- what the verification answer shows: the signed payload only, under a key ring ----------------------


SHOWN = ("identifier", "type_name", "holder", "issuer", "issued_on", "expires_on")


@pytest.mark.parametrize(("column", "value"), [
    ("holder_name", "'冒名顶替餐馆'"), ("credit_code", "'91370000000000000X'"), ("type_name", "'烟草专卖零售许可证'"),
    ("holder_type", "'person'"), ("issued_on", "DATE '2020-01-01'"), ("expires_on", "DATE '2099-12-31'"),
    ("issuing_centre_id", "(SELECT id FROM centre WHERE name = '别的中心')"),
])
def test_editing_a_shown_column_does_not_change_the_answer(client, db_session, cipher, world, column, value,
                                                            capfd):
    """The answer reads only the signed payload, so a column edited in the database changes nothing a
    verifier sees (the edit is logged for staff). Flagging it 签名核验不通过 would tell the verifier a genuine
    certificate's content is forged, which it is not; what it shows is exactly what the issuer signed."""
    CentreFactory(name="别的中心")
    with time_machine.travel(NOW, tick=False):
        complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(5))
        certificate = db_session.scalars(select(Certificate)).one()
        path = f"/api/v1/certificates/verify/{certificate.verify_token}"
        before = client.get(path).get_json()
        assert before["status"] == "valid" and before["holder"] == f"聊城市开发区老王家常菜馆（{credit_code(5)}）"
        assert before["issuer"] == world["centre"].name and before["expires_on"] == "2031-11-23"
        db_session.execute(text(f"UPDATE certificate SET {column} = {value} WHERE id = :id"), {"id": certificate.id})
        db_session.commit()
        db_session.expire_all()
        capfd.readouterr()
        after = client.get(path).get_json()
        assert after == before
        if column != "issuing_centre_id":     # not a copy of a signed field: nothing to compare it with
            assert f'"columns": ["{column}"]' in capfd.readouterr().err    # the edit was read, and logged
        page = client.get(f"/verify/{certificate.verify_token}").text
        assert "聊城市开发区老王家常菜馆" in page and "冒名顶替" not in page and "2099" not in page


def test_a_row_carrying_another_certificates_signed_payload_is_tampered(client, db_session, cipher, world):
    """The identifier ties the row's live state (revoked, superseded) to what was signed: a genuine payload of
    another certificate moved into this row must not borrow this row's 有效."""
    with time_machine.travel(NOW, tick=False):
        complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(6))
        complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(7))
        first, second = db_session.scalars(select(Certificate).order_by(Certificate.id)).all()
        db_session.execute(text("UPDATE certificate SET payload = :p, signature = :s WHERE id = :id"),
                           {"p": json.dumps(second.payload, ensure_ascii=False), "s": second.signature,
                            "id": first.id})
        db_session.commit()
        db_session.expire_all()     # the request shares this thread's session: read the rows again
        answer = client.get(f"/api/v1/certificates/verify/{first.verify_token}").get_json()
    assert answer["status"] == "tampered" and [answer[k] for k in SHOWN] == [None] * 6


def test_after_a_rotation_a_retired_key_still_verifies_and_one_revoked_from_a_date_does_not(
        app, client, db_session, cipher, world, monkeypatch):
    old = app.extensions["banshi.keyring"]
    with time_machine.travel(NOW, tick=False):
        complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(8))
        certificate = db_session.scalars(select(Certificate)).one()
        path = f"/api/v1/certificates/verify/{certificate.verify_token}"
        before = client.get(path).get_json()
        assert before["status"] == "valid"

        new_key = new_test_signing_key()
        rotated = KeyRing.of(new_key, [(old.signer.public_base64(), None)], TEST_CRYPTO_SUITE)
        monkeypatch.setitem(app.extensions, "banshi.keyring", rotated)
        assert rotated.key_id != certificate.key_id
        assert client.get(path).get_json() == before
        # Without the old public key in the ring, the certificate cannot be verified at all.
        monkeypatch.setitem(app.extensions, "banshi.keyring", KeyRing.of(new_key, suite=TEST_CRYPTO_SUITE))
        assert client.get(path).get_json()["status"] == "tampered"

        # The old key is revoked from the day after the certificate was signed: it still stands.
        monkeypatch.setitem(app.extensions, "banshi.keyring",
                            KeyRing.of(new_key, [(old.signer.public_base64(), NOW.date() + timedelta(days=1))],
                                       TEST_CRYPTO_SUITE))
        assert client.get(path).get_json() == before
        # Revoked from the very day it was signed: not valid, with its own reason, and nothing shown.
        monkeypatch.setitem(app.extensions, "banshi.keyring", KeyRing.of(new_key, [(old.signer.public_base64(), NOW.date())],
                                                                                TEST_CRYPTO_SUITE))
        revoked = client.get(path).get_json()
        assert (revoked["status"], revoked["status_name"]) == ("key_revoked", "签名密钥已停用")
        assert [revoked[k] for k in SHOWN] == [None] * 6
        page = client.get(f"/verify/{certificate.verify_token}").text
        assert "签名密钥已停用" in page and "老王家常菜馆" not in page
        # Certificates signed after the rotation carry the new key id.
        monkeypatch.setitem(app.extensions, "banshi.keyring", rotated)
        with app.app_context():   # the completion's consumers read the keys of the app they run in
            complete(db_session, cipher, world["manager"], world["new"], world["centre"], restaurant(9))
    newest = db_session.scalars(select(Certificate).order_by(Certificate.id.desc()).limit(1)).one()
    assert newest.key_id == rotated.key_id
    assert client.get(f"/api/v1/certificates/verify/{newest.verify_token}").get_json()["status"] == "valid"


def test_a_key_ring_refuses_a_retired_key_that_is_the_current_one_or_listed_twice(app):
    current = app.extensions["banshi.keyring"].signer
    other = KeyRing.of(new_test_signing_key(), suite=TEST_CRYPTO_SUITE).signer.public_base64()
    with pytest.raises(ValueError, match="current signing key"):
        KeyRing(current, (PublicKey(current.suite, base64.b64decode(current.public_base64())),))
    with pytest.raises(ValueError, match="listed twice"):
        KeyRing.of(new_test_signing_key(), [(other, None), (other, NOW.date())], TEST_CRYPTO_SUITE)
