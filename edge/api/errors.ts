export { HttpError, unauthorized, forbidden, validationMessage } from '../../core/http-error.ts'
