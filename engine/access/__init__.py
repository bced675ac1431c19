"""Who may see what: the one access policy (cases, tasks, records, instances, offices) and the special categories.

``policy`` holds the predicates and their SQL twins; ``categories`` the special-category areas and their readers.
"""
