// Package calendar owns an agency's business calendar: which days count
// when a regulation's term is given in working days.
//
// A day is a working day when it is Monday to Friday, unless the agency's
// calendar marks it a holiday (a public holiday or a transferred day off),
// or when it is a Saturday or Sunday the calendar marks a working day
// (a transfer, "рабочая суббота"). Only these exceptions are stored, in
// business_days; a Calendar is loaded for a range of dates and refuses to
// answer outside it, so no computation runs past the days it read. A year
// nobody has entered counts as plain Monday to Friday: each autumn the
// coming year's federal days (FederalDays) must be added.
//
// DueDate (store.go) is the one due-date rule of Okno: a case's due date at
// registration and the registry's "due within n working days" both use it.
//
// Dates are calendar dates: a time.Time's date is read in its own location
// (pass times in the agency's zone, as package cases does), and dates come
// back as midnight UTC.
package calendar
