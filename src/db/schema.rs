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
        public -> Bool,
        agency_name -> Nullable<Text>,
        feedback_contact -> Nullable<Text>,
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
        ticket_form_id -> Text,
    }
}

diesel::joinable!(desks -> units (unit_code));

diesel::table! {
    form_versions (id) {
        id -> BigInt,
        form_id -> Text,
        label -> Text,
        content_hash -> Text,
        source -> Text,
        registered_at -> Timestamp,
        count_keys -> Text,
    }
}

diesel::table! {
    responses (id) {
        id -> BigInt,
        form_version_id -> BigInt,
        unit_code -> Text,
        desk_id -> Nullable<BigInt>,
        channel -> Text,
        procedure_code -> Nullable<Text>,
        submitted_at -> Timestamp,
        day -> Date,
        submission_token -> Nullable<Text>,
        answers -> Text,
        procedure_field -> Nullable<Text>,
    }
}

diesel::table! {
    text_answers (response_id, question_id) {
        response_id -> BigInt,
        question_id -> Text,
        body -> Text,
        unit_code -> Text,
        form_version_id -> BigInt,
        day -> Date,
        procedure_field -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::counts_codec::CountsSql;

    tallies (unit_code, form_version_id, period, field, start, channel) {
        unit_code -> Text,
        form_version_id -> BigInt,
        period -> Text,
        field -> Text,
        start -> Date,
        channel -> Text,
        responses -> BigInt,
        counts -> CountsSql,
    }
}

diesel::table! {
    dossiers (unit_code, month) {
        unit_code -> Text,
        month -> Date,
        received -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pending_recounts (name) {
        name -> Text,
    }
}

diesel::joinable!(responses -> form_versions (form_version_id));
diesel::joinable!(responses -> units (unit_code));
diesel::joinable!(text_answers -> responses (response_id));

diesel::table! {
    comment_statuses (response_id, question_id) {
        response_id -> BigInt,
        question_id -> Text,
        status -> Text,
        changed_by -> Nullable<BigInt>,
        changed_by_name -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        language -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        digest -> Text,
    }
}

diesel::table! {
    grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        unit_code -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        name -> Text,
        token_hash -> Text,
        role -> Text,
        unit_code -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    app_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (subject) {
        subject -> Text,
        failures -> BigInt,
        last_attempt -> Timestamp,
    }
}

diesel::table! {
    known_sign_ins (subject) {
        subject -> Text,
        last_seen -> Timestamp,
    }
}

diesel::joinable!(grants -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    alert_rules (id) {
        id -> BigInt,
        unit_code -> Text,
        form_id -> Text,
        kind -> Text,
        index_id -> Nullable<Text>,
        threshold -> Double,
        min_n -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        dedup_key -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        code -> Text,
        desk_id -> BigInt,
        procedure_code -> Nullable<Text>,
        dossier_code -> Nullable<Text>,
        issued_at -> Timestamp,
        issued_day -> Date,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        procedure_field -> Nullable<Text>,
        answered -> Bool,
    }
}

diesel::table! {
    ticket_counts (desk_id, day) {
        desk_id -> BigInt,
        day -> Date,
        issued -> BigInt,
        answered -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (key_hash) {
        key_hash -> Text,
        request_hash -> Text,
        response_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(tickets -> desks (desk_id));
diesel::joinable!(ticket_counts -> desks (desk_id));

diesel::allow_tables_to_appear_in_same_query!(
    comment_statuses,
    units,
    desks,
    form_versions,
    responses,
    text_answers,
    tallies,
    pending_recounts,
    dossiers,
    alert_rules,
    outbox,
    users,
    grants,
    api_tokens,
    app_secrets,
    sessions,
    login_throttle,
    known_sign_ins,
    tickets,
    ticket_counts,
    idempotency_keys,
);
