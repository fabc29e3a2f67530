"""intake takes its Rx number and finds the patient's record in one round trip

Intake must look the patient up only once it holds the Rx counter's row lock, and with a
snapshot taken after that lock was granted: a second intake for the same new person then
finds the record the first one committed instead of making a twin. One SQL statement
cannot do both (its snapshot is taken when it starts, before any lock wait), so this took
two round trips. A VOLATILE function can: each query inside it takes a fresh snapshot
(PostgreSQL, "Function Volatility Categories"). PostgreSQL only; SQLite, which serialises
writers anyway, keeps running the two statements in process.

The function returns the patient's columns by name: a column added to `patients` must be
added here too (tests/integration/test_rx_number_with_patient.py compares them).

Revision ID: 0011_rx_number_with_patient
Revises: 0010_patient_as_prescribed
Create Date: 2026-12-02 17:45:00
"""

from alembic import op

revision = "0011_rx_number_with_patient"
down_revision = "0010_patient_as_prescribed"
branch_labels = None
depends_on = None

FUNCTION = "pharmacy_take_number_and_find_patient"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}(
            counter_key varchar, counter_start integer,
            first_name_lower varchar, last_name_lower varchar, born date)
        RETURNS TABLE (
            taken integer,
            id integer,
            first_name varchar,
            last_name varchar,
            date_of_birth date,
            address text,
            phone varchar,
            allergies json,
            current_medications json,
            created_at timestamptz)
        LANGUAGE plpgsql VOLATILE AS $$
        #variable_conflict use_column
        DECLARE
            number integer;
        BEGIN
            INSERT INTO counters AS counter (key, value) VALUES (counter_key, counter_start)
                ON CONFLICT (key) DO UPDATE SET value = counter.value + 1
                RETURNING counter.value INTO number;
            -- A fresh snapshot, taken now that the counter's row is locked.
            RETURN QUERY
                SELECT number, found.id, found.first_name, found.last_name,
                       found.date_of_birth, found.address, found.phone, found.allergies,
                       found.current_medications, found.created_at
                  FROM (SELECT 1) AS one
                  LEFT JOIN LATERAL (
                      SELECT * FROM patients AS person
                       WHERE lower(person.first_name) = first_name_lower
                         AND lower(person.last_name) = last_name_lower
                         AND person.date_of_birth = born
                       ORDER BY person.id
                       LIMIT 1) AS found ON true;
        END;
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"DROP FUNCTION IF EXISTS {FUNCTION}(varchar, integer, varchar, varchar, date)"
        )
