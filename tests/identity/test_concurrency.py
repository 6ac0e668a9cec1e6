"""One verified account per person when several accounts pass face verification for one ID number at the
same moment, and one live authorisation per delegate and person (real threads, own connections)."""

from sqlalchemy import func, select

from miniapp_api.citizens.models import Citizen
from miniapp_api.identity import services
from miniapp_api.identity.models import RelativeAuthorisation
from tests.appointments.conftest import MONDAY_8AM
from tests.concurrency import attempt, run_together
from tests.factories import citizen_with_identity, id_number


def test_six_accounts_verifying_one_person_at_once_leave_exactly_one_verified(app, committed_db, connections):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    accounts = [Citizen(openid=f"o-race-{n}") for n in range(6)]
    session.add_all(accounts)
    session.commit()
    ids = [c.id for c in accounts]

    def verify(index: int) -> str:
        with connections() as own:
            citizen = own.get(Citizen, ids[index])
            services.apply_verified_identity(own, cipher, citizen, real_name="周敏", id_number=id_number(501),
                                             now=MONDAY_8AM)
            own.commit()
            return "verified"

    assert run_together(6, verify) == ["verified"] * 6   # no unique-violation error for anyone
    holders = session.scalars(select(Citizen.id).where(Citizen.verified_id_hash.is_not(None))).all()
    assert len(holders) == 1


def test_eight_simultaneous_requests_for_one_relative_make_one(app, committed_db, connections):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    delegate_id = citizen_with_identity(session, cipher, 502, name="王建军").id
    session.commit()

    def invite(own) -> str:
        services.invite_relative(own, cipher, own.get(Citizen, delegate_id), name="王秀英", id_number=id_number(503),
                                 relation="父母", scopes=["view"], valid_days=30, now=MONDAY_8AM)
        return "asked"

    def ask(_index: int) -> str:
        return attempt(connections, invite)

    outcomes = run_together(8, ask)
    assert outcomes.count("asked") == 1 and outcomes.count("relative_exists") == 7
    assert session.scalar(select(func.count()).select_from(RelativeAuthorisation)) == 1
