"""Staff API access from the route table: a new /api/staff/v1 route without an entry fails.

public: anyone (login). staff: any logged-in staff member. centre: acts on one centre's records; staff of
another centre get 404 (existence is not leaked). Citizen tokens never open the staff API.
"""

import pytest

from miniapp_api.applications import services
from tests.appointments.conftest import MONDAY_8AM
from tests.test_access_matrix import fill
from tests.factories import CentreFactory, ItemFactory, WindowFactory, id_number, make_staff

PUBLIC, STAFF, CENTRE = "public", "staff", "centre"
MATRIX = {
    "staff.log_in": PUBLIC,
    "staff.log_out": STAFF,
    "staff.show_me": STAFF,
    "staff_applications.intake": CENTRE,
    "staff_applications.list_applications": STAFF,
    "staff_applications.show_application": CENTRE,
    "staff_applications.advance": CENTRE,
    "staff_applications.receive_material": CENTRE,
    "staff_applications.create_batch": CENTRE,
    "staff_applications.show_batch": CENTRE,
    "staff_applications.advance_batch": CENTRE,
    "staff_licences.import_licences": CENTRE,
    "staff_licences.renew": CENTRE,
}
PLACEHOLDERS = {"<reference>": "BS20261123-ABCDEF", "<int:material_id>": "1", "<int:licence_id>": "1"}


def staff_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/staff/v1"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_staff_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule, _ in staff_routes(app)}
    assert endpoints - set(MATRIX) == set(), "add the new staff route to the access matrix"
    assert set(MATRIX) - endpoints == set()


def test_staff_routes_refuse_missing_forged_and_citizen_tokens(app, client, login):
    citizen = login("o-citizen-at-staff-api")
    for rule, method in staff_routes(app):
        if MATRIX[rule.endpoint] == PUBLIC:
            continue
        for headers in ({}, {"Authorization": "Bearer bss_forged"}, citizen):
            response = client.open(fill(rule.rule, PLACEHOLDERS), method=method, headers=headers, json={})
            assert response.status_code == 401, (method, rule.rule, headers)


@pytest.fixture
def two_centres(db_session, cipher):
    home, other = CentreFactory(), CentreFactory()
    item = ItemFactory()
    WindowFactory(centre_id=home.id, items=[item])
    home_staff = make_staff(db_session, [home], ("centre_manager",))
    outsider = make_staff(db_session, [other], ("centre_manager",))
    application = services.intake(
        db_session, cipher, home_staff, item_code=item.code, centre_id=home.id,
        applicant=services.Applicant("person", "周敏", id_number=id_number(5), phone="13700001234"), now=MONDAY_8AM,
        accept=services.Advance(services.S.ACCEPTED_PENDING_MATERIALS, missing_materials=["照片"],
                                promise_text="承诺补交", materials_due_on=MONDAY_8AM.date()))
    batch = services.create_batch(db_session, cipher, home_staff, item_code=item.code, centre_id=home.id,
                                  title="批量", business_name="某公司", credit_code=None,
                                  members=[services.Applicant("person", "周敏", id_number=id_number(6))],
                                  now=MONDAY_8AM)
    from miniapp_api.licences.models import Licence

    licence = Licence(licence_type="食品经营许可证", number="JY-1", holder_type="person", holder_name="周敏",
                      issuing_centre_id=home.id, issued_on=MONDAY_8AM.date(), expires_on=MONDAY_8AM.date())
    db_session.add(licence)
    db_session.commit()
    return dict(home=home, item=item, home_staff=home_staff, outsider=outsider, application=application,
                batch=batch, licence=licence)


def test_staff_of_another_centre_get_404_on_every_centre_route(app, client, two_centres, staff_login, db_session):
    t = two_centres
    values = {"<reference>": t["application"].reference, "<int:material_id>": str(t["application"].materials[0].id),
              "<int:licence_id>": str(t["licence"].id)}
    bodies = {
        "staff_applications.intake": {"item_code": t["item"].code, "centre_id": t["home"].id,
                                      "applicant": {"name": "周敏", "id_number": id_number(7)}},
        "staff_applications.advance": {"to": "in_review"},
        "staff_applications.create_batch": {"item_code": t["item"].code, "centre_id": t["home"].id, "title": "批量",
                                            "business_name": "某公司",
                                            "members": [{"name": "周敏", "id_number": id_number(8)}]},
        "staff_applications.advance_batch": {"to": "accepted"},
        "staff_licences.import_licences": {"centre_id": t["home"].id, "csv": "x"},
        "staff_licences.renew": {"expires_on": "2035-01-01"},
    }
    outsider = staff_login(t["outsider"])
    for rule, method in staff_routes(app):
        if MATRIX[rule.endpoint] != CENTRE:
            continue
        path = fill(rule.rule, values | ({"<reference>": t["batch"].reference} if "batches" in rule.rule else {}))
        response = client.open(path, method=method, headers=outsider, json=bodies.get(rule.endpoint))
        assert response.status_code == 404, (method, path, response.get_json())
    db_session.expire_all()
    assert t["application"].status == "accepted_pending_materials"
    assert t["application"].materials[0].received_at is None
