"""Operations: monitoring and alerts, the weekly/monthly review, delivery, the SQL console."""
