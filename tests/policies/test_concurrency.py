"""政策快享 under real concurrency (threads, each on its own connection): staff saving rule versions and
publishing at once, citizens confirming one match twice, matching workers claiming chunks side by side."""

from datetime import date

from sqlalchemy import func, select

from miniapp_api.businesses.services import set_payout_account
from miniapp_api.citizens.models import Citizen
from miniapp_api.demo.policies import seed_policies
from miniapp_api.policies import matching
from miniapp_api.policies import services as policies
from miniapp_api.policies.models import MatchTask, PolicyGrant, PolicyItem, PolicyMatch, PolicyRule
from miniapp_api.staff.models import Staff
from tests.concurrency import attempt, run_together
from tests.factories import BUSINESS_CASES, BUSINESS_RULE, CentreFactory, make_staff, policy_world
from tests.policies.conftest import NOW, add_business, add_person, link

ON_RECORD = dict(account_name=None, bank=None, account_number=None)   # a business's grant: its account on record


def test_staff_saving_and_publishing_at_once_get_distinct_versions_and_one_publication(app, committed_db,
                                                                                       connections):
    session = committed_db.session
    centre = CentreFactory()
    citizen = Citizen(openid="o-policy-concurrency")
    session.add(citizen)
    session.flush()
    world = policy_world(session, centre, citizen)
    manager = make_staff(session, [centre], ("centre_manager",))
    session.commit()
    item_id, staff_id = world["item"].id, manager.id

    def save(index: int) -> int:
        with connections() as own:
            staff = own.get(Staff, staff_id)
            saved = policies.save_rule(own, staff, policies.staff_item(own, staff, item_id), BUSINESS_RULE,
                                       BUSINESS_CASES)
            own.commit()
            return saved.rule.version

    versions = run_together(12, save)
    assert sorted(versions) == list(range(2, 14))

    def publish(index: int) -> str:
        def act(own):
            staff = own.get(Staff, staff_id)
            return f"v{policies.publish(own, staff, policies.staff_item(own, staff, item_id), NOW).version}"
        return attempt(connections, act, refused=lambda refusal: refusal.message)

    outcomes = run_together(8, publish)
    assert outcomes.count("v13") == 1 and outcomes.count("这个版本已经发布") == 7, outcomes
    session.expire_all()
    assert session.scalar(select(PolicyRule.version).join(PolicyItem, PolicyItem.rule_id == PolicyRule.id)
                          .where(PolicyItem.id == item_id)) == 13


def test_one_match_confirmed_from_two_phones_at_once_opens_one_grant(app, committed_db, connections):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory()
    owner = add_person(session, cipher, 9301, birth=None, centre=centre)
    agent = add_person(session, cipher, 9302, birth=None, centre=centre)
    world = policy_world(session, centre, owner)
    session.delete(world["grant"])
    world["match"].status = "matched"
    link(session, world["business"], owner.id)
    link(session, world["business"], agent.id, role="agent")
    set_payout_account(session, cipher, world["business"], account_name=world["business"].name, bank="工商银行",
                       account_number="6222021610001234", set_by="test", now=NOW)
    session.commit()
    match_id, people = world["match"].id, [owner.id, agent.id]

    def confirm(index: int) -> str:
        return attempt(connections, lambda own: policies.confirm(
            own, cipher, own.get(Citizen, people[index % 2]), match_id, now=NOW, **ON_RECORD).reference)

    outcomes = run_together(10, confirm)
    assert outcomes.count("match_answered") == 9, outcomes
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(PolicyGrant).where(PolicyGrant.match_id == match_id)) == 1


def test_matching_workers_side_by_side_take_each_chunk_once(app, committed_db, connections):
    session, cipher = committed_db.session, app.extensions["banshi.cipher"]
    centre = CentreFactory(name="聊城市政务服务中心")
    for n in range(40):
        add_person(session, cipher, 9400 + n, birth=date(1940, 1, 1), hukou="371502", centre=centre)
        add_business(session, 9400 + n, registered=date(2020, 1, 1), size="micro", employees=12, centre=centre)
    session.commit()
    seed_policies(session, NOW, centre=centre)
    session.execute(PolicyMatch.__table__.delete())
    session.commit()
    planned = matching.plan(session, "race", NOW, chunk=5)      # many small chunks for the workers to share
    session.commit()

    def work(index: int) -> int:
        done = 0
        with connections() as own:
            while (task := matching.claim_task(own)) is not None:
                matching.run_task(own, task, NOW)
                own.commit()
                done += 1
        return done

    counts = run_together(6, work)
    assert sum(counts) == planned and planned > 30
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(MatchTask).where(MatchTask.done_at.is_(None))) == 0
    per_pair = session.execute(select(PolicyMatch.policy_item_id, PolicyMatch.citizen_id, PolicyMatch.business_id,
                                      func.count()).group_by(PolicyMatch.policy_item_id, PolicyMatch.citizen_id,
                                                             PolicyMatch.business_id)).all()
    assert per_pair and all(row[3] == 1 for row in per_pair)
