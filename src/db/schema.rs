//! The tables, as diesel sees them; kept in step with both migration folders (a test
//! checks the columns of each backend against it).

diesel::table! {
    units (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        parent_code -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    desks (id) {
        id -> BigInt,
        unit_code -> Text,
        name -> Text,
        code -> Text,
        form_id -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(desks -> units (unit_code));
diesel::allow_tables_to_appear_in_same_query!(units, desks);
