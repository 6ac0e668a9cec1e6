"""Who may do what: one table for the staff API and the console, so the two can never disagree.

Admins may do everything everywhere (Staff.has_role); every other permission is a tuple of roles, and both
the API's `require_role(staff, *X)` and the console's `@page(*X)` read it from here.
"""

from __future__ import annotations

from miniapp_api.staff.models import Role

A, M, W, F, S = Role.ADMIN, Role.CENTRE_MANAGER, Role.WINDOW_STAFF, Role.FEEDBACK_HANDLER, Role.SUPERVISOR

COUNTER = (W, M)                    # a window's queue: see it, call, serve
APPLICATIONS = (W, M)               # counter intake and moving a case along
FEEDBACK = (F, M, S)                # the feedback inbox: read, claim, answer
FEEDBACK_REASSIGN = (M, S)          # give a case to another handler
FEEDBACK_SLA = (A,)                 # the time limits per kind, for the whole city
RECTIFICATIONS = (M, S, F, W)       # follow up bad ratings
LICENCE_IMPORT = (M,)
LICENCE_RENEW = (W, M)
# 撤销电子证照: a centre manager, with a reason the holder is told.
CERTIFICATE_REVOKE = (M,)
# 远程踏勘: offer inspection times, schedule, inspect and sign (window staff and managers).
INSPECTION = (W, M)
BUSINESS_IMPORT = (M,)              # the registry's businesses (市场主体), city-wide
BUSINESS_AGENT = (W, M)             # confirm a verified citizen as a business's agent at the counter
CENTRE_SETUP = (M,)                 # opening hours, windows, booking rules of one's centre
CALENDAR = (A,)                     # working-day overrides, city-wide
DASHBOARD = (M, S)
REPORTS = (M, S)                    # 报表: Excel exports of one's own centres
SURVEY_RESULTS = (M, S)             # figures of one's own centres
SURVEY_PUBLISH = (A,)
SURVEY_CAMPAIGNS = (A,)             # campaigns sample every centre of the city
RELATIVE_PAPER = (W, M)             # record a signed paper authorisation (亲友代办)
ALERTS = (M, S)                     # velocity alerts
NOTIFICATIONS = (A,)                # push statistics and the job dashboard
POLICY_AUTHOR = (W, M)              # write policy items and their rules for one's centres, check a subject
POLICY_PUBLISH = (M,)               # publish (cases green) or stop a policy item
POLICY_GRANTS = (W, M)              # review and pay 免申即享 grant cases
PERSON_FACTS_IMPORT = (M,)          # 部门共享数据 (户籍, 残联) for matching, city-wide
GUIDANCE_AUTHOR = (W, M)            # write Q&A, scenarios, item guides and synonyms of one's centres (drafts)
GUIDANCE_PUBLISH = (M,)             # make a draft what citizens see
GUIDANCE_REPORT = (W, M, S)         # questions that found no good answer
AUDIT_LOG = (M,)                    # the audit trail: admins all of it, a manager the rows about their centres
