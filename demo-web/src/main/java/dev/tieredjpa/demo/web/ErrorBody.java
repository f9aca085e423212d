package dev.tieredjpa.demo.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The JSON body of every error answer. {@code field} is left out when no single field is at fault. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String error, String field, Long currentVersion) {

    public ErrorBody(String error, String field) {
        this(error, field, null);
    }
}
