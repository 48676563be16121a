"""A model trained on labels with and without its taxonomy's keywords (``model/keyword_trust.py``).

    [SHARED_DATA=/work/shared/data] OMP_NUM_THREADS=1 python benchmarks/keyword_rules.py [--data saas semeval-en semeval-ru banking77]
                                                         [--sizes 100 300 1000] [--seeds 3] [--tune]

Per set, label budget and seed: ``n`` labelled rows drawn at random from the training part, one
``FeedbackClassifier`` fitted on them as ``train`` fits it (rows grouped as ``train`` groups them:
by review for SemEval, copies of one comment together otherwise), then the held-out part scored
the way ``classify`` / ``evaluate`` score it (``segments.combined_proba`` with the matcher
``uses_parts`` gives, then the decoding): path micro-F1 of the model alone (``keyword_trust_``
removed: what every trained model was before) and of the same fit with the keyword trust each rule
of ``keyword_trust.chosen_trust`` picks from its out-of-fold scores (paired: the weights are the
same; nothing is chosen on the held-out part): ``no_loss`` is what ``train`` does
(``keyword_trust.RULE``, chosen with ``--tune``), ``gain`` the rule it was chosen over. The keyword
matcher alone (``model.weak.weak_labels``) is printed beside. ``--tune`` scores a split of the
training part instead and leaves the held-out part unread.

Sets (all with a taxonomy that has keywords):

* ``saas``: synthetic, written here. A SaaS taxonomy (5 parents, 10 subcategories, English) with
  keywords, and per category 9 sentences for the training part and 6 other ones for the held-out
  part, about two thirds of them using a keyword of the category; labelled comments are copies of
  those sentences (some in other case, with "Also," or a trailing remark), a few no-topic remarks
  unlabelled, and 1 in 8 two sentences of two categories. Training pool 2,000 comments, held-out 400.
* ``semeval-en`` / ``semeval-ru``: SemEval-2016 restaurant sentences (``../shared``) with
  ``taxonomies/semeval-restaurants.yaml``; the held-out reviews are ``semeval_data.split_held_out``'s
  (every SemEval benchmark's), the rows drawn from the other reviews.
* ``banking77``: Banking77's messages whose intent ``real_comments.BANKING77_TO_CX`` maps to a
  ``cx-default`` parent, with the ``cx-default`` taxonomy (parents only: Banking77 has no
  keyword taxonomy of its own intents); its own train / test split.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's package, not another installed copy
sys.path.insert(0, str(ROOT / "benchmarks"))
DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data"))  # ../shared beside the checkout

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from feedback_classifier.jobs.fold_groups import fold_groups  # noqa: E402
from feedback_classifier.model import FeedbackClassifier, evaluate_predictions  # noqa: E402
from feedback_classifier.model.keyword_trust import chosen_trust  # noqa: E402
from feedback_classifier.model.keywords import taxonomy_matcher  # noqa: E402
from feedback_classifier.model.segments import combined_proba, uses_parts  # noqa: E402
from feedback_classifier.model.weak import weak_labels  # noqa: E402
from feedback_classifier.taxonomy import load_taxonomy  # noqa: E402

SAAS_TAXONOMY = """\
name: saas-bench
version: 1
languages: [en]
categories:
  - id: billing
    names: {en: Billing}
    keywords: {en: [billing, charge, payment]}
    children:
      - id: invoices
        names: {en: Invoices}
        keywords: {en: [invoice, receipt, vat, tax]}
      - id: pricing
        names: {en: Pricing}
        keywords: {en: [price, expensive, cost, cheap, plan]}
      - id: refunds
        names: {en: Refunds}
        keywords: {en: [refund, money back, reimburse]}
  - id: product
    names: {en: Product}
    keywords: {en: [app, feature, dashboard]}
    children:
      - id: bugs
        names: {en: Bugs}
        keywords: {en: [bug, error, crash, broken, glitch]}
      - id: performance
        names: {en: Performance}
        keywords: {en: [slow, lag, loading, speed, freeze]}
      - id: integrations
        names: {en: Integrations}
        keywords: {en: [integration, api, webhook, webhooks, slack, salesforce, zapier]}
  - id: support
    names: {en: Support}
    keywords: {en: [support, agent, ticket, helpdesk]}
    children:
      - id: response_time
        names: {en: Response time}
        keywords: {en: [wait, reply, respond, response, answer]}
      - id: agent_quality
        names: {en: Agent quality}
        keywords: {en: [helpful, rude, knowledgeable, polite, unhelpful]}
  - id: onboarding
    names: {en: Onboarding}
    keywords: {en: [onboarding, getting started, first steps]}
    children:
      - id: setup
        names: {en: Setup}
        keywords: {en: [setup, set up, configure, configuration, import]}
      - id: documentation
        names: {en: Documentation}
        keywords: {en: [documentation, docs, tutorial, guide, help center, manual]}
  - id: account
    names: {en: Account access}
    keywords: {en: [login, log in, password, sso, 2fa, locked out]}
"""

# (training-part sentences, held-out sentences) per category: different sentences, as new comments are
SAAS_SENTENCES = {
    "billing > invoices": (
        ["The invoice shows the wrong company address", "We need the VAT number on every invoice",
         "Invoices arrive a week after the payment", "Please let us download all receipts at once",
         "Our accountant keeps asking for a proper tax invoice", "The invoice PDF is missing the PO number",
         "Finance cannot match your statements to our orders", "Every month the paperwork is in the wrong currency",
         "Billing documents go to an old email address"],
        ["The receipt does not list the seats we bought", "Tax is calculated twice on the invoice",
         "Where do I find last year's invoices", "Our auditors could not read the billing statement",
         "The documents we get for bookkeeping are incomplete", "Add our registration number to the header please"]),
    "billing > pricing": (
        ["Way too expensive for a small team", "The price went up at renewal without notice",
         "The business plan costs too much per seat", "Cheaper tools do the same job",
         "We cannot justify the cost to management", "Paying per user makes no sense for us",
         "The annual plan should come with a discount", "Good value for the money", "Budget is the main reason we may leave"],
        ["The new price is hard to accept", "A cheap plan for freelancers would be great",
         "It costs twice what the competitor asks", "Too expensive now that the free tier is gone",
         "Our finance team says it is not worth it", "We would stay if the seats were less pricey"]),
    "billing > refunds": (
        ["Still waiting for my refund after three weeks", "I was promised my money back and got nothing",
         "The refund went to a card I closed", "Please refund the second charge", "Nobody processed the reimbursement",
         "I cancelled in time and was billed anyway", "Refund requests take forever",
         "I only got part of the refund", "We want the unused months returned"],
        ["The refund never arrived", "Give me my money back for the annual plan",
         "Asked to be reimbursed twice with no result", "You charged us after we cancelled and kept the money",
         "How long does a refund take", "The credit note was never paid out"]),
    "product > bugs": (
        ["The export button throws an error", "The app crashes when I upload a file", "Found a bug in the calendar view",
         "Charts are broken since the last update", "Saving a draft deletes the text", "Filters reset every time I reload",
         "There is a glitch with duplicated rows", "Notifications show the wrong date", "Search returns nothing for exact names"],
        ["Another crash this morning while editing", "The mobile version is broken on Android",
         "Error 500 whenever I open reports", "Bug: the totals do not add up",
         "Dragging cards between columns loses them", "The dark mode makes buttons disappear"]),
    "product > performance": (
        ["The dashboard is very slow in the mornings", "Pages take ages to load", "Loading a report takes a minute",
         "The editor lags when I type", "Everything freezes with big projects", "Speed has gotten worse this year",
         "Scrolling through the list is sluggish", "The app is fast and responsive", "Opening a board takes forever"],
        ["So slow that my team gave up", "Constant lag during video calls in the app",
         "The loading spinner never ends", "Big files make the whole thing freeze",
         "It used to be quicker than this", "Takes too long to open anything"]),
    "product > integrations": (
        ["The Slack integration stopped posting messages", "Please add a Salesforce integration",
         "The API rate limits are too strict", "Webhooks fire twice for one event", "Zapier triggers are missing fields",
         "Syncing with our CRM fails every night", "The API documentation for webhooks is outdated",
         "Connecting Google Drive keeps failing", "We need an integration with Jira"],
        ["Our Slack channel no longer gets updates", "The API returns data in the wrong format",
         "Webhooks are not delivered at all", "Could you connect to HubSpot",
         "The calendar sync duplicates every meeting", "Salesforce fields are not mapped correctly"]),
    "support > response_time": (
        ["I waited four days for a reply", "Support takes too long to respond", "Nobody answers the chat",
         "My ticket has been open for two weeks", "The response came only after I complained",
         "Phone support never picks up", "Quick reply from the team, thanks", "Had to wait hours in the queue",
         "Emails to support go unanswered"],
        ["Still no answer to my ticket", "They respond only after a week",
         "The wait for an agent is ridiculous", "I never heard back from anyone",
         "Got a response within minutes", "Two follow-ups and nothing"]),
    "support > agent_quality": (
        ["The agent was very helpful", "Support staff were rude to me", "The person on the chat knew the product well",
         "The agent did not understand my problem", "Very polite and patient support",
         "They sent me copy-paste answers", "Anna from support solved it in one call",
         "The support rep was knowledgeable", "The agent closed my ticket without fixing anything"],
        ["A really helpful support agent", "The rep was unhelpful and dismissive",
         "Support clearly knew what they were doing", "The agent kept sending me the same link",
         "Kind and friendly people on the helpdesk", "Whoever answered had no idea about our plan"]),
    "onboarding > setup": (
        ["Setup took us a whole week", "The onboarding wizard is confusing", "Getting started was easy",
         "Importing our old data failed", "Configuring the workspace is complicated", "We needed help to set up SSO groups",
         "The first steps are not clear", "Inviting the team during setup did not work", "The setup call was useful"],
        ["Setting up the account took too long", "Onboarding new users is painful",
         "The import tool broke our data", "It was simple to get going", "The initial configuration is a maze",
         "We could not finish setting things up alone"]),
    "onboarding > documentation": (
        ["The documentation is outdated", "The help articles do not match the screens", "We need better tutorials",
         "The guide skips important steps", "Docs are great and clear", "There is no manual for admins",
         "The knowledge base search finds nothing", "Video tutorials would help", "The docs lack examples"],
        ["The documentation is missing the new features", "The tutorial videos are too old",
         "Could not find anything in the help center", "The user guide is very thorough",
         "Examples in the docs do not work", "Write a guide for team admins please"]),
    "account": (
        ["I cannot log in since yesterday", "Password reset emails never arrive", "SSO login fails for half the team",
         "We get locked out after one wrong password", "2FA codes do not work", "Login takes three steps too many",
         "I was logged out every hour", "Changing my email broke my account", "Please support passkeys"],
        ["The login page keeps spinning", "Forgot my password and the reset link is dead",
         "Our SSO stopped working this morning", "Locked out of my own account",
         "Two-factor codes arrive too late", "Cannot sign in with Google anymore"]),
}
SAAS_NO_TOPIC = (["Thanks", "No comment", "All good", "Nothing to add", "Keep it up", "n/a"],
                 ["Fine", "Nothing else", "ok", "No"])


def _saas_comments(pool: dict, no_topic: list, n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """``n`` comments (and label cells) made of ``pool``'s sentences per category."""
    cats = list(pool)
    texts, cells = [], []
    for _ in range(n):
        if rng.random() < 0.05:
            texts.append(rng.choice(no_topic))
            cells.append("")
            continue
        picked = rng.sample(cats, 2) if rng.random() < 0.125 else [rng.choice(cats)]
        text = ". ".join(rng.choice(pool[c]) for c in picked)
        roll = rng.random()
        text = text.lower() if roll < 0.15 else f"Also, {text[0].lower()}{text[1:]}" if roll < 0.2 else \
            f"{text}. That's all" if roll < 0.25 else text
        texts.append(text)
        cells.append("; ".join(picked))
    return texts, cells


def saas(tune: bool = False):
    """``tune``: the training part's sentences only, 6 per category to learn from and the other 3 scored."""
    folder = Path(tempfile.mkdtemp())
    (folder / "saas.yaml").write_text(SAAS_TAXONOMY, encoding="utf-8")
    tax = load_taxonomy(folder / "saas.yaml")
    rng = random.Random(2026)
    if tune:
        learn = {c: s[0][:6] for c, s in SAAS_SENTENCES.items()}
        score = {c: s[0][6:] for c, s in SAAS_SENTENCES.items()}
        no_topic = (SAAS_NO_TOPIC[0][:4], SAAS_NO_TOPIC[0][4:])
    else:
        learn = {c: s[0] for c, s in SAAS_SENTENCES.items()}
        score = {c: s[1] for c, s in SAAS_SENTENCES.items()}
        no_topic = SAAS_NO_TOPIC
    train, train_cells = _saas_comments(learn, no_topic[0], 2000, rng)
    test, test_cells = _saas_comments(score, no_topic[1], 400, rng)
    parse = lambda cells: [tax.parse_labels(c) for c in cells]  # noqa: E731
    return tax, train, parse(train_cells), None, test, parse(test_cells)


def semeval(lang: str, tune: bool = False):
    """``tune``: the held-out reviews dropped, a quarter of the others (by review) scored instead."""
    from semeval_data import split_held_out

    df = pd.read_csv(DATA / "semeval2016" / f"restaurants_{lang}_train.csv", dtype=str).fillna("")
    tax = load_taxonomy(ROOT / "taxonomies" / "semeval-restaurants.yaml")
    dev, held = split_held_out(df["review_id"].to_numpy())
    if tune:
        df = df.iloc[dev].reset_index(drop=True)
        dev, held = split_held_out(df["review_id"].to_numpy(), seed=7, share=0.25)
    y = [tax.parse_labels(c) for c in df["labels"]]
    texts, reviews = df["text"].tolist(), df["review_id"].tolist()
    return (tax, [texts[i] for i in dev], [y[i] for i in dev], [reviews[i] for i in dev],
            [texts[i] for i in held], [y[i] for i in held])


def banking77(tune: bool = False):
    """``tune``: the test split unread, a seeded quarter of the training split scored instead."""
    from real_comments import banking77 as mapped

    tax = load_taxonomy("cx-default")
    train, test = mapped(DATA, "dev"), mapped(DATA, "heldout")
    if tune:
        scored = np.random.default_rng(7).random(len(train)) < 0.25
        train, test = train[~scored], train[scored]
    labels = lambda df: [[(p, None) for p in sorted(g)] for g in df["gold"]]  # noqa: E731
    return tax, train["text"].tolist(), labels(train), None, test["text"].tolist(), labels(test)


SETS = {"saas": saas, "semeval-en": lambda tune: semeval("en", tune), "semeval-ru": lambda tune: semeval("ru", tune),
        "banking77": banking77}
RULES = ("gain", "no_loss")


def classified(model, texts: list[str]) -> list[list]:
    """The categories ``classify`` gives: parts, and keywords when the model has rules."""
    P = combined_proba(model, texts, matcher=uses_parts(model).matcher)
    return [model._paths(row) for row in model.predict_from_proba(P)]


def one_run(tax, texts, labels, groups, test, gold, n: int, seed: int) -> dict[str, float]:
    rows = np.random.default_rng(seed).permutation(len(texts))[:n]
    X, Y = [texts[i] for i in rows], [labels[i] for i in rows]
    g = fold_groups(X, None if groups is None else [groups[i] for i in rows])
    start = time.process_time()
    model = FeedbackClassifier(taxonomy=tax, random_state=seed).fit(X, Y, groups=g)
    out = {"fit_s": time.process_time() - start}
    oof = getattr(model, "keyword_oof_", None)
    model.__dict__.pop("keyword_trust_", None)
    out["alone"] = evaluate_predictions(gold, classified(model, test), tax).path_micro_f1
    for rule in RULES:  # the same fit, each rule's trust (chosen out of fold) set in turn
        trust = None if oof is None else chosen_trust(oof, rule)
        out[f"trust:{rule}"] = -1.0 if trust is None else trust
        if trust is None:
            out[rule] = out["alone"]
            continue
        model.keyword_trust_ = trust
        out[rule] = evaluate_predictions(gold, classified(model, test), tax).path_micro_f1
        model.__dict__.pop("keyword_trust_")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 300, 1000])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tune", action="store_true", help="score on a split of the training part (where the rule "
                                                           "was chosen); the held-out part stays unread")
    args = parser.parse_args()
    for name in args.data:
        tax, texts, labels, groups, test, gold = SETS[name](args.tune)
        kw = evaluate_predictions(gold, weak_labels(taxonomy_matcher(tax), test), tax)
        print(f"{name}{' (tuning split)' if args.tune else ''}: {len(texts)} training rows, {len(test)} scored; keyword "
              f"matcher alone {kw.path_micro_f1:.3f} (parent {kw.parent_micro_f1:.3f})", flush=True)
        for n in args.sizes:
            runs = [one_run(tax, texts, labels, groups, test, gold, n, seed) for seed in range(args.seeds)]
            a = np.array([r["alone"] for r in runs])
            line = f"  {name} n={n}: model alone {a.mean():.3f} [{a.min():.3f}-{a.max():.3f}]"
            for rule in RULES:
                k = np.array([r[rule] for r in runs])
                d = k - a
                line += (f" | {rule} {k.mean():.3f} [{k.min():.3f}-{k.max():.3f}] diff {d.mean():+.3f} "
                         f"[{d.min():+.3f}..{d.max():+.3f}] trust {[r['trust:' + rule] for r in runs]}")
            print(line + f" | fit CPU-s {np.mean([r['fit_s'] for r in runs]):.1f}", flush=True)


if __name__ == "__main__":
    main()
