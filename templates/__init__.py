"""Office-customisable templates shipped with contacts-crm (data only)."""
