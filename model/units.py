"""The calendar and the units the rules convert between: one place for each, by name.

These are not coefficients (nothing here is a choice a study could vary), so they are not rows of
the parameter table; naming them keeps the no-magic-numbers check strict: a bare 52 or 100 in a
rule would be a coefficient, and is refused (`tests/test_no_magic_numbers.py`).
"""

WEEKS_PER_YEAR = 52.0  # the model's year: a step is a week, a year 52 of them
MONTHS_PER_YEAR = 12.0
WEEKS_PER_MONTH = WEEKS_PER_YEAR / MONTHS_PER_YEAR  # fees and costs are quoted a month, booked a week
DAYS_PER_WEEK = 7.0  # days to resolution are reported in days
PERCENT = 100.0  # fee burden is a percentage of income
PER_THOUSAND = 1000.0  # capacities are quoted per 1,000 households (department_capacity, cobuilding_capacity)
