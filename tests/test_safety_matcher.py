"""The phrase matcher behind the emergency override (rules in bot/safety.py)."""
import copy

from bot.safety import SafetyMatcher
from bot.text import fold, words

LISTS = {"en": {"danger": ["help", "hitting me", "at * door", "kill* me"],
                "trafficking": ["took my passport"],
                "not_danger": ["how do i report"]}}


def test_folding_ignores_case_accents_and_polish_l():
    assert fold("Ajutați-MĂ Złoty") == "ajutati-ma zloty"
    assert words("Ajutați-mă!") == ["ajutati", "ma"]


def test_phrase_matches_anywhere_with_wildcards():
    m = SafetyMatcher(LISTS)
    assert m.assess("please, he is HITTING me").has("danger")
    assert m.assess("someone is at my door").has("danger")
    assert m.assess("he wants to killll me").has("danger")


def test_single_word_cry_counts_only_in_a_short_message():
    m = SafetyMatcher(LISTS)
    assert m.assess("HELP!!!").has("danger")
    assert not m.assess("I need help with my tax return this year").has("danger")


def test_two_words_built_on_a_plea_count_only_in_a_short_message():
    m = SafetyMatcher({"en": {"pleas": ["help"], "danger": ["help", "help me", "hitting me"]}})
    assert m.assess("help me!!").has("danger") and m.assess("please please help me").has("danger")
    assert not m.assess("can you help me with my health insurance").has("danger")
    assert m.assess("he keeps hitting me and i cannot get out of the room").has("danger")   # no plea: anywhere


def test_a_one_word_phrase_that_is_no_plea_leaves_its_two_word_phrases_free():
    # "stabbed" is a cry on its own ("stabbed!!"), but "got stabbed" tells what happened in any message
    m = SafetyMatcher({"en": {"pleas": ["help"], "danger": ["stabbed", "got stabbed"]}})
    assert m.assess("stabbed!!").has("danger")
    assert not m.assess("the film where someone is stabbed in the shower").has("danger")
    assert m.assess("i got stabbed by a client last night, what do i do").has("danger")


def test_the_shipped_pleas_keep_help_questions_calm_and_stabbings_alarmed(knowledge):
    safety = knowledge.safety
    assert not safety.assess("can you help me with my insurance please").any
    assert not safety.assess("ayuda urgente con el seguro de salud por favor").any
    assert safety.assess("i got stabbed by a client last night").has("danger")
    assert safety.assess("clientul are cutit si sta in fata usii mele").has("danger")
    assert safety.assess("kolezanka chyba przedawkowala, dziwnie oddycha").has("danger")


def test_a_borrowed_plea_in_the_list_makes_its_two_word_phrases_short_only():
    m = SafetyMatcher({"ro": {"pleas": ["help"], "danger": ["help", "help pls", "ma bate"]}})
    assert m.assess("help pls!!").has("danger")
    assert not m.assess("help pls cu zorgtoeslag, nu stiu cum se cere").has("danger")
    assert m.assess("help pls el ma bate si nu pot iesi din camera").has("danger")   # "ma bate": no cry


def test_calm_frames_are_reported_whether_or_not_the_category_matched():
    m = SafetyMatcher({"en": {"crisis": ["want to die"], "not_crisis": ["dead tired"]}})
    assert m.assess("dead tired after this week").framed == ("crisis",)
    assert m.assess("i want to die").framed == ()


def test_question_about_violence_cancels_danger_but_not_trafficking():
    m = SafetyMatcher(LISTS)
    assert not m.assess("how do i report that he was hitting me").has("danger")
    assert m.assess("how do i report that he took my passport").has("trafficking")


def test_a_calm_frame_of_any_category_calms_its_own_clause_not_a_disclosure_in_another():
    m = SafetyMatcher({"nl": {"crisis": ["ik hoef niks meer", "wil dood"], "not_crisis": ["hoef niks meer te"],
                              "trafficking": ["mij zwingt"], "not_trafficking": ["zij zegt dat"]}})
    assert not m.assess("ik hoef niks meer te betalen, toch?").has("crisis")        # the frame's own clause
    assert m.assess("ik hoef niks meer te doen, ik wil dood").has("crisis")          # another clause
    assert not m.assess("ik hoef niks meer te doen en wil dood").has("crisis")       # one clause: framed
    assert not m.assess("zij zegt dat hij mij zwingt. klopt dat?").has("trafficking")   # nothing else to calm


def test_a_past_frame_calms_its_own_clause_not_a_danger_now_in_another():
    m = SafetyMatcher({"en": {"danger": ["waiting outside", "hit me"], "not_danger": ["last week", "just curious"]}})
    assert not m.assess("he hit me last week, how do i report it").has("danger")
    assert m.assess("he is waiting outside, last week he hit me").has("danger")
    assert m.assess("he is waiting outside. he hit me last week!").has("danger")
    # a frame that calms no danger of its own still speaks for the whole message
    assert not m.assess("what if someone is waiting outside? just curious").has("danger")
    assert not m.assess("he is waiting outside last week he hit me").has("danger")   # one clause: framed
    spanning = SafetyMatcher({"en": {"danger": ["waiting outside"], "not_danger": ["last week how"]}})
    assert not spanning.assess("he was waiting outside last week, how do i report it").has("danger")


def test_words_that_bring_the_story_back_to_now_end_the_past_frame():
    m = SafetyMatcher({"en": {"danger": ["hit* me", "at the door"], "not_danger": ["last year", "can i still"],
                              "now": ["but now"]},
                       "ro": {"danger": ["ma loveste"], "not_danger": ["anul trecut"], "now": ["dar acum"]}})
    assert m.assess("last year he hit me and i kept quiet but now he hits me again").has("danger")
    assert m.assess("anul trecut a facut asta si am tacut, dar acum iar ma loveste").has("danger")
    # the past stays the past: no danger after "now", or a frame of its own after it
    assert not m.assess("last year he hit me, but now i am fine").has("danger")
    assert not m.assess("last year he hit me but now can i still report it").has("danger")
    # "now" alone, with no past frame before it, changes nothing
    assert m.assess("but now he is at the door").has("danger")
    # another language's "now" word ends no frame: a Dutch "nu" is a Romanian "not"
    assert not m.assess("last year he hit me dar acum he hits me again").has("danger")


def test_a_past_frame_told_before_now_no_longer_marks_the_message_as_about_the_past():
    m = SafetyMatcher({"en": {"danger": ["hit* me"], "not_danger": ["last year", "can i still"], "now": ["but now"]},
                       "ro": {"not_danger": ["anul trecut"], "now": ["dar acum"]}})
    # no phrase of the lists names what happens now: the models may still hear it
    today = m.assess("last year i reported him but now he is here kicking my door")
    assert "danger" not in today.cancelled and not today.about_violence
    # the frame still speaks when the tail is short, or has a frame of its own, or there is no "now"
    assert m.assess("last year he hit me but now ok").about_violence
    assert m.assess("last year he was kicking my door but now can i still report it").about_violence
    assert m.assess("last year he was kicking my door").about_violence
    # another language's "now" word brings no English story back
    assert m.assess("last year he was kicking dar acum he is at my door again").about_violence


def test_matching_language_is_reported():
    assert SafetyMatcher(LISTS).assess("hitting me").language == "en"
    assert SafetyMatcher(LISTS).assess("").language is None


def test_repeated_letters_are_ignored():
    m = SafetyMatcher(LISTS)
    assert m.assess("HELPPPP").has("danger") and m.assess("hittinggg meee").has("danger")


def test_question_about_violence_is_flagged_for_the_dialogue():
    found = SafetyMatcher(LISTS).assess("how do i report violence")
    assert found.about_violence and not found.has("danger")


def test_digits_are_not_squeezed():
    m = SafetyMatcher({"en": {"danger": ["112"], "trafficking": [], "not_danger": []}})
    assert m.assess("112!").has("danger") and not m.assess("room 12").has("danger")


def test_gaps_typos_and_categories():
    m = SafetyMatcher({"en": {"trafficking": ["tak* .. passport"], "crisis": ["kill myself"],
                              "sexual_violence": ["raped me"], "danger": ["help me"],
                              "not_crisis": ["kill time"]}})
    assert m.assess("they have taken away my passport").has("trafficking")          # a gap of up to 3 words
    assert not m.assess("they have taken my money, my phone and my passport").has("trafficking")   # 5 words apart
    assert m.assess("he took my pasport").has("trafficking") is False               # "took" is no "tak*" ...
    assert m.assess("they take my pasport").has("trafficking")                      # ... one typo in a long word is fine
    assert m.assess("i want to kll myself").has("crisis") is False                  # short words: no typo allowed
    assert m.assess("a client raped me").answers == ["report_sexual_violence"]
    assert not m.assess("he trapped me in a bad contract").has("sexual_violence")    # no typo in the first letter
    assert m.assess("i could kill myself, i forgot to kill time").cancelled == ("crisis",)


def test_explain_names_the_list_and_phrase():
    m = SafetyMatcher({"pl": {"crisis": ["nie chce .. zyc"]}})
    assert m.explain("nie chcę już żyć") == {"crisis": ("pl", "nie chce .. zyc")}


def test_compiled_lists_are_reused_until_a_list_changes():
    lists = {"en": {"danger": ["help me now"], "not_danger": ["how do i"]}}
    first = SafetyMatcher.of(lists)
    assert SafetyMatcher.of(copy.deepcopy(lists)) is first       # an answer edit: nothing to compile
    edited = copy.deepcopy(lists)
    edited["en"]["danger"].append("save me")
    again = SafetyMatcher.of(edited)
    assert again is not first and again.assess("please save me").has("danger")
    assert not first.assess("please save me").has("danger")


def test_a_cry_with_a_disclosure_is_danger_only_at_either_end_and_without_a_calm_frame():
    m = SafetyMatcher({"en": {"danger": ["help", "police"], "trafficking": ["check* my phone"],
                              "not_danger": ["not in danger"]}})
    assert m.assess("help, he checks my phone every night").categories == ("danger", "trafficking")
    assert m.assess("he checks my phone every night. HELP").has("danger")
    assert m.assess("what can police do if someone checks my phone?").categories == ("trafficking",)
    assert not m.assess("help: my friend's boyfriend checks my phone, she is not in danger").has("danger")
