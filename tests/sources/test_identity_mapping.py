"""Zero-config mapping of name-and-address lists: FEBRL's header, ids and dates of birth."""

from __future__ import annotations

from contactops.sources.synonyms import suggest_mapping

FEBRL_HEADER = ["rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
                "suburb", "postcode", "state", "date_of_birth", "soc_sec_id"]


def test_febrl_header_maps_every_column_and_rec_id_is_the_key() -> None:
    mapping, key = suggest_mapping(FEBRL_HEADER)
    assert key == "rec_id"
    assert mapping == {
        "given_name": "first_name", "surname": "last_name", "street_number": "street_number",
        "address_1": "street", "address_2": "street_2", "suburb": "city",
        "postcode": "postal_code", "state": "region", "date_of_birth": "date_of_birth",
        "soc_sec_id": "external_id"}


def test_usual_names_of_birth_dates_and_ids() -> None:
    for column in ("dob", "DOB", "Birthdate", "birth_date", "Date of Birth"):
        assert suggest_mapping(["id", column])[0] == {column: "date_of_birth"}, column
    for column in ("ssn", "national_id", "customer_no", "Member ID", "membership number"):
        assert suggest_mapping(["id", column])[0] == {column: "external_id"}, column
    for column, field in (("town", "city"), ("locality", "city"), ("zip", "postal_code"),
                          ("post_code", "postal_code"), ("house_number", "street_number")):
        assert suggest_mapping(["id", column])[0] == {column: field}, column


def test_customer_id_is_the_key_alone_and_an_external_id_beside_another_key() -> None:
    assert suggest_mapping(["customer_id", "surname"]) == ({"surname": "last_name"},
                                                           "customer_id")
    mapping, key = suggest_mapping(["rec_id", "customer_id", "surname"])
    assert key == "rec_id" and mapping == {"customer_id": "external_id",
                                           "surname": "last_name"}
