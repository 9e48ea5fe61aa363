"""Each lifecycle action is described once (domain/action_info.py's ActionInfo) and has everything
the rest follows from: its rule in ACTION_RULES, an Update of its name with a validator on the
workflow, and words people read in Korean and in English."""

from temporalio import workflow

from api import i18n
from domain.action_info import ACTION_BODIES, ACTION_INFO
from domain.phases import Action
from domain.rules import ACTION_RULES
from workflows.lifecycle.workflow import StartupLifecycle


def test_every_action_is_described_with_its_rule_and_its_update() -> None:
    assert list(ACTION_INFO) == list(Action) and set(ACTION_RULES) == set(Action)
    updates = workflow._Definition.must_from_class(StartupLifecycle).updates
    assert set(updates) == {action.value for action in Action}
    assert all(updates[action.value].validator is not None for action in Action), "an Update without its validator"
    assert all(ACTION_BODIES[action] is info.body for action, info in ACTION_INFO.items())


def test_every_action_has_korean_and_english_words() -> None:
    with i18n.language(i18n.ENGLISH):
        untranslated = [action.value for action, info in ACTION_INFO.items()
                        if i18n.pgettext("action", info.label) == info.label]
    assert not untranslated, f"actions without English under the context 'action': {untranslated}"
    assert all(info.summary and info.when and isinstance(info.example, dict) for info in ACTION_INFO.values())
