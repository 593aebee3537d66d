"""Column names and rating range shared by every module (one vocabulary)."""

USER = "user_id"
ITEM = "item_id"
RATING = "rating"
TIMESTAMP = "timestamp"
TITLE = "title"
GENRES = "genres"

RATING_COLUMNS = [USER, ITEM, RATING, TIMESTAMP]
