"""Users area: lifecycle states, RFM segments, cohorts and members, lost customers, the churn model and
reactivation targeting, and their charts."""
