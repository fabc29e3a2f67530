

def test_liquid_auxiliary_texts_follow_storage() -> None:
    from pharmacy.compounding.liquids import liquid_auxiliary
    from pharmacy.compounding.rules import DEFAULT_RULES

    room = liquid_auxiliary("room temperature or refrigerator", DEFAULT_RULES)
    cold = liquid_auxiliary("refrigerator", DEFAULT_RULES)
    assert room == [DEFAULT_RULES.liquid_texts["shake_well"], DEFAULT_RULES.liquid_texts["protect_from_light"]]
    assert cold == [*room, DEFAULT_RULES.liquid_texts["refrigerate"]]
